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
    """Add the entries of a known_hosts file (hashed ones included); a missing file adds none.

    Lines paramiko cannot use (``@cert-authority`` markers, key types it lacks, damage) are skipped
    one by one instead of failing the whole file: a host found only there counts as unknown, the
    safe direction.
    """
    if not path.exists():
        return
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        raise HostKeyError(
            f"cannot read known_hosts file {path}: {error.strerror or error}; fix or replace it"
        ) from None
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith(("#", "@")):
            continue
        try:
            entry = paramiko.hostkeys.HostKeyEntry.from_line(line, number)
        except Exception as error:  # paramiko raises several unrelated types for one bad line
            log.debug("%s line %d ignored: %s", path, number, error)
            continue
        if entry is None or entry.key is None:
            continue
        for name in entry.hostnames:
            if _usable_name(name):
                into.add(name, entry.key.get_name(), entry.key)
            else:
                log.debug("%s line %d: hashed name %r ignored, it is not valid base64", path, number, name)


def _usable_name(name: str) -> bool:
    # A damaged hashed name would make paramiko fail on every later lookup, for every host.
    if not name.startswith("|1|"):
        return True
    try:
        paramiko.HostKeys.hash_host("probe", name)
    except Exception:
        return False
    return True


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
