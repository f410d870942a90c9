"""Host key checking against a known_hosts file, with messages that say what to do.

An unknown host is refused unless the user opted in (``--trust-new-host`` / ``ship.trust_new_host``), in
which case its key is appended to the known_hosts file, exactly as ``ssh-keyscan >>`` would, and every
later run checks against it. A changed key is always refused: trusting it is a decision for a person who
has checked the new fingerprint, never for a flag. So is a key marked ``@revoked``, and so is any host
that a line paramiko cannot use names (``@cert-authority``, wildcards, key types it lacks): that host is
known, just not checkable here, so it is never recorded as new.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import paramiko

from tweets_etl.ship.errors import HostKeyError

log = logging.getLogger(__name__)

# ssh-keyscan -t takes the short family name, not the wire name.
_KEYSCAN_TYPES = {"ssh-ed25519": "ed25519", "ssh-rsa": "rsa", "ssh-dss": "dsa"}
REVOKED = "@revoked"


def fingerprint(key: paramiko.PKey) -> str:
    """The fingerprint OpenSSH prints (``SHA256:`` + unpadded base64), so users can compare by eye."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def host_entry_name(host: str, port: int) -> str:
    """How known_hosts names a host: ``host`` on port 22, ``[host]:port`` otherwise."""
    return host if port == 22 else f"[{host}]:{port}"


@dataclass(frozen=True)
class KnownHostLine:
    """One entry of a known_hosts file, kept whether or not paramiko can use it."""

    number: int
    patterns: Tuple[str, ...]
    key_base64: str = ""
    marker: str = ""
    key: Optional[paramiko.PKey] = None
    #: Why paramiko cannot check a host against this line; empty for a usable line.
    problem: str = ""

    def matches(self, name: str) -> bool:
        """Does this line name ``name`` (``host`` or ``[host]:port``), as OpenSSH would decide?"""
        return _matches_pattern_list(name.lower(), self.patterns)

    @property
    def usable(self) -> bool:
        return not self.problem and not self.marker and self.key is not None


@dataclass
class KnownHosts:
    """A known_hosts file as OpenSSH reads it, including the lines paramiko cannot use.

    paramiko checks only plain entries with key types it knows. The other lines still say something
    about a host: ``@revoked`` keys must never be accepted, and a host named by a line paramiko cannot
    check is a known host whose key we cannot verify, never a new host that ``--trust-new-host`` may
    record (that would let whoever answers first be trusted).
    """

    path: Path
    lines: List[KnownHostLine] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> KnownHosts:
        """Read the file; a missing file knows no host."""
        if not path.exists():
            return cls(path)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise HostKeyError(
                f"cannot read known_hosts file {path}: {error.strerror or error}; fix or replace it"
            ) from None
        lines = []
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if line and not line.startswith("#"):
                lines.append(parse_known_host_line(number, line))
        return cls(path, lines)

    def install(self, into: paramiko.HostKeys, name: str) -> None:
        """Give paramiko the usable, unrevoked keys of ``name``: it checks those and prefers their types."""
        for line in self.lines:
            if line.usable and line.matches(name) and self.revoked_line(name, line.key) is None:
                into.add(name, line.key.get_name(), line.key)

    def revoked_line(self, name: str, key: paramiko.PKey) -> Optional[KnownHostLine]:
        """The ``@revoked`` line for ``name`` that names exactly this key, if any."""
        blob = key.get_base64()
        for line in self.lines:
            if line.marker == REVOKED and line.key_base64 == blob and line.matches(name):
                return line
        return None

    def listing_line(self, name: str) -> Optional[KnownHostLine]:
        """The first line that names ``name``, whatever its kind; usable lines come first."""
        matching = [line for line in self.lines if line.matches(name)]
        usable = [line for line in matching if line.usable]
        return (usable or matching or [None])[0]

    def refuse_offered_key(
        self, host: str, port: int, offered: paramiko.PKey, expected: Optional[paramiko.PKey]
    ) -> HostKeyError:
        """The error for a key that matches none of the usable keys of a listed host."""
        name = host_entry_name(host, port)
        revoked = self.revoked_line(name, offered)
        if revoked is not None:
            return HostKeyError(revoked_key_message(name, offered, self.path, revoked.number))
        if expected is not None:
            return HostKeyError(changed_host_message(host, port, offered, expected, self.path))
        line = self.listing_line(name)
        if line is not None and line.usable:
            # Listed, but every key listed for it is revoked: the server offers something else.
            return HostKeyError(changed_host_message(host, port, offered, line.key, self.path))
        if line is not None:
            return HostKeyError(unusable_line_message(host, port, offered, self.path, line))
        return HostKeyError(unknown_host_message(host, port, offered, self.path))


def parse_known_host_line(number: int, line: str) -> KnownHostLine:
    """One non-comment line: ``[@marker] patterns keytype base64 [comment]``."""
    fields = line.split()
    marker = fields.pop(0) if fields[0].startswith("@") else ""
    if not fields:
        return KnownHostLine(number, (), marker=marker, problem="no host names")
    patterns = tuple(fields[0].split(","))
    if len(fields) < 3:
        return KnownHostLine(number, patterns, marker=marker, problem="too few fields")
    key_type, key_base64 = fields[1], fields[2]
    if marker and marker != REVOKED:
        problem = f"{marker} lines are not supported"
        return KnownHostLine(number, patterns, key_base64, marker, problem=problem)
    if marker:
        # A revocation is matched by its key's bytes, so it works for key types paramiko lacks too.
        return KnownHostLine(number, patterns, key_base64, marker)
    if any(_is_pattern(pattern) for pattern in patterns):
        problem = "host patterns with *, ? or ! are not supported"
        return KnownHostLine(number, patterns, key_base64, problem=problem)
    try:
        key = paramiko.PKey.from_type_string(key_type, base64.b64decode(key_base64, validate=True))
    except paramiko.UnknownKeyType:
        problem = f"paramiko cannot use {key_type} keys"
        return KnownHostLine(number, patterns, key_base64, problem=problem)
    except Exception:  # binascii.Error, SSHException, ValueError: a damaged key
        return KnownHostLine(number, patterns, key_base64, problem=f"its {key_type} key is damaged")
    return KnownHostLine(number, patterns, key_base64, key=key)


def _is_pattern(name: str) -> bool:
    return not name.startswith("|1|") and any(char in name for char in "*?!")


def _matches_pattern_list(name: str, patterns: Sequence[str]) -> bool:
    # OpenSSH's match_hostname: any negated pattern that matches wins, else any positive one.
    matched = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _matches_pattern(name, pattern[1:] if negated else pattern):
            if negated:
                return False
            matched = True
    return matched


def _matches_pattern(name: str, pattern: str) -> bool:
    if pattern.startswith("|1|"):
        try:
            return hmac.compare_digest(paramiko.HostKeys.hash_host(name, pattern), pattern)
        except Exception:  # a damaged hashed name matches nothing
            return False
    # Only * and ? are special, so "[host]:port" is matched literally, brackets included.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lower())
    return re.fullmatch(regex, name) is not None


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
        f"{fingerprint(key)}), so nothing was sent; check that fingerprint with the server's "
        f"administrator, then add it with `{keyscan_command(host, port, key, known_hosts)}` or run once "
        "with --trust-new-host"
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


def revoked_key_message(name: str, offered: paramiko.PKey, known_hosts: Path, number: int) -> str:
    return (
        f"host {name} offers {offered.get_name()} {fingerprint(offered)}, a key marked @revoked in "
        f"{known_hosts} line {number}, so nothing was sent (a compromised or retired key, or someone in the "
        "middle); ask the server's administrator for its current key"
    )


def unusable_line_message(
    host: str, port: int, offered: paramiko.PKey, known_hosts: Path, line: KnownHostLine
) -> str:
    why = line.problem or "a @revoked line: one of its keys was withdrawn"
    return (
        f"host {host_entry_name(host, port)} is named in {known_hosts} line {line.number} ({why}), but "
        f"that line cannot vouch for the {offered.get_name()} key {fingerprint(offered)} it offers, so "
        "nothing was sent; --trust-new-host never records a host that known_hosts already names: check "
        "that fingerprint with the server's administrator, then add it with "
        f"`{keyscan_command(host, port, offered, known_hosts)}`"
    )


class KnownHostsPolicy(paramiko.MissingHostKeyPolicy):
    """paramiko's hook for a host it has no usable key for: refuse, or record when the user opted in.

    Only a host that no line of known_hosts names at all is new; the others are refused with the line
    that names them (see :class:`KnownHosts`).
    """

    def __init__(self, host: str, port: int, known_hosts: KnownHosts, *, trust_new_host: bool) -> None:
        self.host = host
        self.port = port
        self.known_hosts = known_hosts
        self.trust_new_host = trust_new_host

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        name = host_entry_name(self.host, self.port)
        if self.known_hosts.listing_line(name) is not None:
            raise self.known_hosts.refuse_offered_key(self.host, self.port, key, expected=None)
        path = self.known_hosts.path
        if not self.trust_new_host:
            raise HostKeyError(unknown_host_message(self.host, self.port, key, path))
        append_known_host(path, hostname, key)
        log.warning(
            "trusted new host %s (%s %s) as asked, and recorded it in %s",
            hostname,
            key.get_name(),
            fingerprint(key),
            path,
        )
