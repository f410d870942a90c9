"""Fixtures for the shipper's tests: a real sshd for the session, and a clean SSH environment per test."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.ship.sshd_server import PRIVSEP_DIR, SSHD, SshServer, start_sshd


def _require_sshd() -> None:
    if not SSHD.is_file():
        pytest.skip(f"{SSHD} is absent: install Debian's openssh-server (apt-get install -y openssh-server)")
    if not PRIVSEP_DIR.is_dir():
        if os.geteuid() != 0:
            pytest.skip(
                f"sshd needs its privilege separation folder {PRIVSEP_DIR}, and only root can create it"
            )
        # What the package's tmpfiles.d entry does at boot; containers never booted.
        PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def sshd(tmp_path_factory) -> SshServer:
    _require_sshd()
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@dataclass(frozen=True)
class PasswordLogin:
    server: SshServer
    user: str
    password: str
    landing: Path


@pytest.fixture(scope="session")
def password_login(tmp_path_factory) -> PasswordLogin:
    """A throwaway local user with a random password, and an sshd of its own that lets that user alone log
    in with a password. The user and its home are deleted afterwards."""
    _require_sshd()
    if os.geteuid() != 0:
        pytest.skip("password login needs a throwaway local user with a password: only root can create one")
    missing = [tool for tool in ("useradd", "chpasswd", "userdel") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"password login needs {', '.join(missing)} to make a throwaway user (package passwd)")
    user, password = f"tweets_etl_pw_{secrets.token_hex(4)}", secrets.token_urlsafe(18)
    # Not under pytest's tmp folders: they are root's alone (0700), and this user must reach its home.
    home = Path(tempfile.mkdtemp(prefix="tweets-etl-password-home-"))
    useradd = ["useradd", "--no-create-home", "--home-dir", str(home), "--shell", "/bin/sh"]
    useradd += ["--comment", "tweets-etl test user, safe to delete", user]
    server, created = None, False
    try:
        subprocess.run(useradd, check=True, capture_output=True)
        created = True
        subprocess.run(["chpasswd"], input=f"{user}:{password}\n", text=True, check=True, capture_output=True)
        landing = home / "landing"
        landing.mkdir()
        for folder in (home, landing):
            shutil.chown(folder, user=user)
        server = start_sshd(tmp_path_factory.mktemp("sshd-password"), password_users=[user])
        yield PasswordLogin(server, user, password, landing)
    finally:
        if server is not None:
            server.stop()
        if created:
            subprocess.run(["userdel", user], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(autouse=True)
def isolated_ssh_environment(monkeypatch, tmp_path):
    """No agent, no password, no ~/.ssh of the real user: each test says exactly which credentials exist."""
    for name in (
        "SSH_AUTH_SOCK",
        "TWEETS_ETL_SFTP_PASSWORD",
        "TWEETS_ETL_SFTP_KEY_PASSPHRASE",
        "TWEETS_ETL_VAR_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
