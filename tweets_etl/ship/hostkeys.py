"""Host key checking against a known_hosts file, with messages that say what to do.

An unknown host is refused unless the user opted in (``--trust-new-host`` / ``ship.trust_new_host``), in
which case its key is appended to the known_hosts file, exactly as ``ssh-keyscan >>`` would, and every
later run checks against it. A changed key is always refused: trusting it is a decision for a person who
has checked the new fingerprint, never for a flag.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
from pathlib import Path

import paramiko

from tweets_etl.ship.errors import HostKeyError

log = logging.getLogger(__name__)

# ssh-keyscan -t takes the short family name, not the wire name.
_KEYSCAN_TYPES = {"ssh-ed25519": "ed25519", "ssh-rsa": "rsa", "ssh-dss": "dsa"}


def fingerprint(key: paramiko.PKey) -> str:
    """The fingerprint OpenSSH prints (``SHA256:`` + unpadded base64), so users can compare by eye."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def host_entry_name(host: str, port: int) -> str:
    """How known_hosts names a host: ``host`` on port 22, ``[host]:port`` otherwise."""
    return host if port == 22 else f"[{host}]:{port}"


def load_known_hosts(into: paramiko.HostKeys, path: Path) -> None:
    """Add the entries of a known_hosts file (hashed ones included); a missing file adds none."""
    if path.is_file():
        try:
            into.load(str(path))
        except (OSError, paramiko.SSHException) as error:
            raise HostKeyError(f"cannot read known_hosts file {path}: {error}; fix or replace it") from None


def append_known_host(path: Path, name: str, key: paramiko.PKey) -> None:
    """Append one ``name type base64`` line, keeping every existing line as it was."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    prefix = ""
    if path.is_file() and path.stat().st_size:
        with open(path, "rb") as handle:
            handle.seek(-1, os.SEEK_END)
            prefix = "" if handle.read(1) == b"\n" else "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="ascii") as handle:
        handle.write(f"{prefix}{name} {key.get_name()} {key.get_base64()}\n")


def keyscan_command(host: str, port: int, key: paramiko.PKey, known_hosts: Path) -> str:
    kind = key.get_name()
    kind = _KEYSCAN_TYPES.get(kind, "ecdsa" if kind.startswith("ecdsa") else kind)
    port_flag = "" if port == 22 else f"-p {port} "
    return f"ssh-keyscan {port_flag}-t {kind} {host} >> {known_hosts}"


def unknown_host_message(host: str, port: int, key: paramiko.PKey, known_hosts: Path) -> str:
    return (
        f"host {host_entry_name(host, port)} is not in {known_hosts} (it offers {key.get_name()} "
        f"{fingerprint(key)}), so nothing was sent; check that fingerprint with the server's administrator, "
        f"then add it with `{keyscan_command(host, port, key, known_hosts)}` or run once with --trust-new-host"
    )


def changed_host_message(
    host: str, port: int, offered: paramiko.PKey, expected: paramiko.PKey, known_hosts: Path
) -> str:
    name = host_entry_name(host, port)
    return (
        f"host key of {name} CHANGED: {known_hosts} has {expected.get_name()} {fingerprint(expected)} but "
        f"the server now offers {offered.get_name()} {fingerprint(offered)}, so nothing was sent (a "
        "reinstalled server, or someone in the middle); confirm the new fingerprint with the server's "
        f"administrator, then run `ssh-keygen -R '{name}' -f {known_hosts}` and add the new key"
    )


class KnownHostsPolicy(paramiko.MissingHostKeyPolicy):
    """paramiko's hook for a host missing from known_hosts: refuse, or record when the user opted in."""

    def __init__(self, host: str, port: int, known_hosts: Path, *, trust_new_host: bool) -> None:
        self.host = host
        self.port = port
        self.known_hosts = known_hosts
        self.trust_new_host = trust_new_host

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        if not self.trust_new_host:
            raise HostKeyError(unknown_host_message(self.host, self.port, key, self.known_hosts))
        append_known_host(self.known_hosts, hostname, key)
        log.warning(
            "trusted new host %s (%s %s) as asked, and recorded it in %s",
            hostname,
            key.get_name(),
            fingerprint(key),
            self.known_hosts,
        )
