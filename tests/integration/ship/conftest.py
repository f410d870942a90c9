"""Fixtures for the shipper's tests: a real sshd for the session, and a clean SSH environment per test."""

from __future__ import annotations

import os

import pytest

from tests.integration.ship.sshd_server import PRIVSEP_DIR, SSHD, SshServer, start_sshd


@pytest.fixture(scope="session")
def sshd(tmp_path_factory) -> SshServer:
    if not SSHD.is_file():
        pytest.skip(f"{SSHD} is absent: install Debian's openssh-server (apt-get install -y openssh-server)")
    if not PRIVSEP_DIR.is_dir():
        if os.geteuid() != 0:
            pytest.skip(
                f"sshd needs its privilege separation folder {PRIVSEP_DIR}, and only root can create it"
            )
        # What the package's tmpfiles.d entry does at boot; containers never booted.
        PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


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
