"""known_hosts handling: OpenSSH's fingerprints and file format, and an opt-in that only ever appends."""

from __future__ import annotations

import base64
import shutil
import struct
import subprocess
from pathlib import Path

import paramiko
import pytest

from tweets_etl.ship.errors import HostKeyError
from tweets_etl.ship.hostkeys import (
    KnownHostLine,
    KnownHosts,
    KnownHostsPolicy,
    append_known_host,
    fingerprint,
    host_entry_name,
    keyscan_command,
)

needs_ssh_keygen = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="OpenSSH's ssh-keygen is absent"
)


def keygen(path: Path) -> paramiko.PKey:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return paramiko.PKey.from_path(path)


def installed(known_hosts: Path, name: str) -> list:
    """The keys paramiko is given to check ``name`` against."""
    keys = paramiko.HostKeys()
    KnownHosts.load(known_hosts).install(keys, name)
    found = keys.lookup(name)
    return list(found.values()) if found else []


def policy(known_hosts: Path, host: str = "edge", port: int = 22, *, trust_new_host: bool = True):
    return KnownHostsPolicy(host, port, KnownHosts.load(known_hosts), trust_new_host=trust_new_host)


def offer(known_hosts: Path, key: paramiko.PKey, host: str = "edge", port: int = 22, **options) -> None:
    """What paramiko does when it has no usable key for the host: ask the policy."""
    name = host_entry_name(host, port)
    if installed(known_hosts, name):
        raise AssertionError(f"{name} has usable keys, so paramiko would not ask the policy")
    policy(known_hosts, host, port, **options).missing_host_key(paramiko.SSHClient(), name, key)


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
    assert installed(known_hosts, "[127.0.0.1]:2222") == [key]
    assert installed(known_hosts, "other.example.internal") == [other]


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

    with pytest.raises(HostKeyError, match=r"not in .*known_hosts.*ssh-keyscan -p 2222 -t ed25519 edge >> "):
        offer(known_hosts, key, port=2222, trust_new_host=False)
    assert not known_hosts.exists()

    offer(known_hosts, key, port=2222, trust_new_host=True)
    assert known_hosts.read_text() == f"[edge]:2222 ssh-ed25519 {key.get_base64()}\n"


@needs_ssh_keygen
def test_keyscan_command_names_port_type_and_file(tmp_path):
    key = keygen(tmp_path / "host_key")
    assert keyscan_command("edge", 22, key, Path("/k")) == "ssh-keyscan -t ed25519 edge >> /k"


@needs_ssh_keygen
def test_lines_paramiko_cannot_use_do_not_stop_the_others_from_counting(tmp_path):
    key = keygen(tmp_path / "host_key")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(
        "broken ssh-ed25519 !!!not-base64!!!\n"
        f"|1|a|b ssh-ed25519 {key.get_base64()}\n"
        "@cert-authority *.example.internal ssh-ed25519 AAAA\n"
        f"edge  ssh-ed25519\t{key.get_base64()} a comment\n"
    )

    assert installed(known_hosts, "edge") == [key]
    assert installed(known_hosts, "broken") == []


# A host key of a type paramiko lacks, as known_hosts holds it: DSA (which OpenSSH may still list) since
# paramiko 4.0, else XMSS, which no paramiko has.
UNKNOWN_TYPE = "ssh-xmss@openssh.com" if hasattr(paramiko, "DSSKey") else "ssh-dss"
UNKNOWN_TYPE_KEY = (
    f"{UNKNOWN_TYPE} "
    + base64.b64encode(struct.pack(">I", len(UNKNOWN_TYPE)) + UNKNOWN_TYPE.encode() + bytes(64)).decode()
)


def unusable_lines(host: str) -> dict:
    """known_hosts lines that name ``host`` but that paramiko cannot check a key against."""
    hashed = paramiko.HostKeys.hash_host(host)
    return {
        "@cert-authority": f"@cert-authority {host} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE",
        "unknown key type": f"{host} {UNKNOWN_TYPE_KEY}",
        "hashed, unknown key type": f"{hashed} {UNKNOWN_TYPE_KEY}",
        "damaged key": f"{host} ssh-ed25519 !!!not-base64!!!",
        "wildcard": f"{host[:3]}*,other ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE",
        "@revoked for another key": f"@revoked {host} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE",
    }


@needs_ssh_keygen
@pytest.mark.parametrize("kind", list(unusable_lines("edge")))
def test_a_host_named_by_a_line_paramiko_cannot_use_is_never_trusted_as_new(tmp_path, kind):
    key = keygen(tmp_path / "attacker_key")
    for host, port in (("edge.example.internal", 22), ("10.0.0.5", 2222)):
        line = unusable_lines(host_entry_name(host, port))[kind]
        known_hosts = tmp_path / f"known_hosts_{port}"
        known_hosts.write_text(f"# first line\nother.example.internal {UNKNOWN_TYPE_KEY}\n{line}\n")
        before = known_hosts.read_text()

        with pytest.raises(HostKeyError) as refused:
            offer(known_hosts, key, host, port, trust_new_host=True)

        message = str(refused.value)
        assert f"is named in {known_hosts} line 3 (" in message, message
        assert fingerprint(key) in message and "nothing was sent" in message
        assert "--trust-new-host never records" in message
        assert known_hosts.read_text() == before


@needs_ssh_keygen
def test_unusable_lines_for_other_hosts_leave_a_new_host_new(tmp_path):
    key = keygen(tmp_path / "host_key")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(
        "\n".join(line for line in unusable_lines("other.example.internal").values())
        + "\n*.example.internal,!edge.example.internal ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE\n"
    )

    offer(known_hosts, key, "edge.example.internal", trust_new_host=True)

    assert known_hosts.read_text().splitlines()[-1].startswith("edge.example.internal ssh-ed25519 ")


@needs_ssh_keygen
def test_a_revoked_key_is_refused_even_where_a_plain_line_lists_it(tmp_path):
    key = keygen(tmp_path / "host_key")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(
        f"edge ssh-ed25519 {key.get_base64()}\n@revoked * ssh-ed25519 {key.get_base64()}\n"
    )

    assert installed(known_hosts, "edge") == []
    with pytest.raises(HostKeyError, match=rf"offers ssh-ed25519 .* marked @revoked in {known_hosts} line 2"):
        offer(known_hosts, key, trust_new_host=True)


@needs_ssh_keygen
def test_a_revoked_key_offered_instead_of_a_listed_one_is_reported_as_revoked(tmp_path):
    good, bad = keygen(tmp_path / "good"), keygen(tmp_path / "bad")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(
        f"edge ssh-ed25519 {good.get_base64()}\n@revoked edge ssh-ed25519 {bad.get_base64()}\n"
    )
    known = KnownHosts.load(known_hosts)

    error = known.refuse_offered_key("edge", 22, bad, expected=good)
    assert "@revoked" in str(error) and "CHANGED" not in str(error)
    other = keygen(tmp_path / "other")
    assert "CHANGED" in str(known.refuse_offered_key("edge", 22, other, expected=good))


@needs_ssh_keygen
def test_a_revoked_wildcard_line_keeps_listed_hosts_working(tmp_path):
    key, revoked = keygen(tmp_path / "host_key"), keygen(tmp_path / "revoked_key")
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(
        f"@revoked * ssh-ed25519 {revoked.get_base64()}\nedge ssh-ed25519 {key.get_base64()}\n"
    )

    assert installed(known_hosts, "edge") == [key]


@pytest.mark.parametrize(
    ("patterns", "name", "matches"),
    [
        ("[10.0.0.5]:2222", "[10.0.0.5]:2222", True),  # brackets are literal, not a character class
        ("[10.0.0.5]:2222", "1", False),
        ("Edge.Example.Internal", "edge.example.internal", True),
        ("edge?.example.internal", "edge1.example.internal", True),
        ("*.example.internal,!edge.example.internal", "edge.example.internal", False),
        ("*.example.internal,!edge.example.internal", "db.example.internal", True),
        ("[*.example.internal]:*", "[edge.example.internal]:2222", True),
        ("|1|bm90IGEgc2FsdA==|damaged", "edge", False),
    ],
)
def test_host_patterns_match_as_openssh_matches_them(patterns, name, matches):
    line = KnownHostLine(1, tuple(patterns.split(",")))
    assert line.matches(name) is matches


def test_a_hashed_name_matches_only_its_host():
    line = KnownHostLine(1, (paramiko.HostKeys.hash_host("[edge]:2222"),))
    assert line.matches("[edge]:2222") and not line.matches("edge")


def test_an_unreadable_known_hosts_file_is_one_clear_error(tmp_path):
    known_hosts = tmp_path / "known_hosts"
    known_hosts.mkdir()
    with pytest.raises(HostKeyError, match="cannot read known_hosts file"):
        KnownHosts.load(known_hosts)
