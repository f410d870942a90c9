"""known_hosts handling: OpenSSH's fingerprints and file format, and an opt-in that only ever appends."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import paramiko
import pytest

from tweets_etl.ship.errors import HostKeyError
from tweets_etl.ship.hostkeys import (
    KnownHostsPolicy,
    append_known_host,
    fingerprint,
    host_entry_name,
    keyscan_command,
    load_known_hosts,
)

needs_ssh_keygen = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="OpenSSH's ssh-keygen is absent"
)


def keygen(path: Path) -> paramiko.PKey:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return paramiko.PKey.from_path(path)


@needs_ssh_keygen
def test_fingerprint_is_the_one_ssh_keygen_prints(tmp_path):
    key = keygen(tmp_path / "key")
    printed = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(tmp_path / "key.pub")], capture_output=True, text=True
    )
    assert printed.stdout.split()[1] == fingerprint(key)


def test_known_hosts_names_a_non_default_port_in_brackets():
    assert host_entry_name("edge.example.internal", 22) == "edge.example.internal"
    assert host_entry_name("10.0.0.5", 2222) == "[10.0.0.5]:2222"


@needs_ssh_keygen
def test_appending_keeps_every_existing_line_and_ssh_keygen_finds_the_new_one(tmp_path):
    key = keygen(tmp_path / "host_key")
    known_hosts = tmp_path / "ssh" / "known_hosts"
    known_hosts.parent.mkdir()
    other = keygen(tmp_path / "other_key")
    hashed = paramiko.HostKeys.hash_host("other.example.internal")
    existing = f"{hashed} ssh-ed25519 {other.get_base64()}\n# comment"
    known_hosts.write_text(existing)

    append_known_host(known_hosts, "[127.0.0.1]:2222", key)

    lines = known_hosts.read_text().splitlines()
    assert lines[:2] == existing.splitlines()
    assert lines[2] == f"[127.0.0.1]:2222 ssh-ed25519 {key.get_base64()}"
    found = subprocess.run(
        ["ssh-keygen", "-F", "[127.0.0.1]:2222", "-f", str(known_hosts)], capture_output=True, text=True
    )
    assert found.returncode == 0 and key.get_base64() in found.stdout
    keys = paramiko.HostKeys()
    load_known_hosts(keys, known_hosts)
    assert keys.lookup("[127.0.0.1]:2222")["ssh-ed25519"] == key
    assert keys.lookup("other.example.internal")["ssh-ed25519"] == other


@needs_ssh_keygen
def test_a_new_known_hosts_file_is_private(tmp_path):
    key = keygen(tmp_path / "host_key")
    known_hosts = tmp_path / "fresh" / "known_hosts"

    append_known_host(known_hosts, "edge", key)

    assert known_hosts.stat().st_mode & 0o777 == 0o600
    assert known_hosts.parent.stat().st_mode & 0o777 == 0o700


@needs_ssh_keygen
def test_an_unknown_host_is_refused_without_opt_in_and_recorded_with_it(tmp_path):
    key = keygen(tmp_path / "host_key")
    known_hosts = tmp_path / "known_hosts"

    strict = KnownHostsPolicy("edge", 2222, known_hosts, trust_new_host=False)
    with pytest.raises(HostKeyError, match=r"not in .*known_hosts.*ssh-keyscan -p 2222 -t ed25519 edge >> "):
        strict.missing_host_key(paramiko.SSHClient(), "[edge]:2222", key)
    assert not known_hosts.exists()

    KnownHostsPolicy("edge", 2222, known_hosts, trust_new_host=True).missing_host_key(
        paramiko.SSHClient(), "[edge]:2222", key
    )
    assert known_hosts.read_text() == f"[edge]:2222 ssh-ed25519 {key.get_base64()}\n"


@needs_ssh_keygen
def test_keyscan_command_names_port_type_and_file(tmp_path):
    key = keygen(tmp_path / "host_key")
    assert keyscan_command("edge", 22, key, Path("/k")) == "ssh-keyscan -t ed25519 edge >> /k"


@needs_ssh_keygen
def test_lines_paramiko_cannot_use_are_skipped_and_the_rest_still_count(tmp_path):
    key = keygen(tmp_path / "host_key")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(
        "broken ssh-ed25519 !!!not-base64!!!\n"
        f"|1|a|b ssh-ed25519 {key.get_base64()}\n"
        "@cert-authority *.example.internal ssh-ed25519 AAAA\n"
        f"edge ssh-ed25519 {key.get_base64()}\n"
    )
    keys = paramiko.HostKeys()

    load_known_hosts(keys, known_hosts)

    assert keys.lookup("edge")["ssh-ed25519"] == key
    assert keys.lookup("broken") is None


def test_an_unreadable_known_hosts_file_is_one_clear_error(tmp_path):
    known_hosts = tmp_path / "known_hosts"
    known_hosts.mkdir()
    with pytest.raises(HostKeyError, match="cannot read known_hosts file"):
        load_known_hosts(paramiko.HostKeys(), known_hosts)
