"""The SFTP transport on paramiko: key login, checked host keys, timeouts, keepalive, remote sha256.

Login uses the key file given (``--identity-file``, its passphrase from ``TWEETS_ETL_SFTP_KEY_PASSPHRASE``)
or else the SSH agent and the usual ``~/.ssh/id_*`` keys; a password is used only when
``TWEETS_ETL_SFTP_PASSWORD`` is set. The command reads those variables; this module never looks at the
environment and never logs a secret.

Remote checksums run ``sha256sum`` over an exec channel when the server allows commands (one short
round trip, no data moved); servers that only allow SFTP (``ForceCommand internal-sftp``, chroots) get
the file read back and hashed here instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import posixpath
import re
import shlex
import socket
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import paramiko

from tweets_etl.errors import first_line
from tweets_etl.ship.errors import (
    AuthError,
    ConnectError,
    ConnectionLostError,
    FileShipError,
    ShipError,
)
from tweets_etl.ship.hostkeys import KnownHosts, KnownHostsPolicy, fingerprint, host_entry_name
from tweets_etl.ship.identity import load_identity
from tweets_etl.ship.transport import HASH_CHUNK, Transport

log = logging.getLogger(__name__)

_SHA256SUM_LINE = re.compile(rb"^\\?([0-9a-f]{64}) ")
# How fast we assume a remote disk hashes, to give sha256sum of a big file enough time.
_HASH_BYTES_PER_SECOND = 25 * 1024 * 1024


@dataclass(frozen=True)
class SftpSettings:
    """Everything needed to open one SFTP session; secrets are excluded from repr."""

    host: str
    user: str
    known_hosts: Path
    port: int = 22
    identity_file: Optional[Path] = None
    trust_new_host: bool = False
    timeout_seconds: float = 30.0
    keepalive_seconds: int = 15
    password: Optional[str] = field(default=None, repr=False)
    passphrase: Optional[str] = field(default=None, repr=False)

    @property
    def label(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"sftp://{self.user}@{host}:{self.port}"


def connect_sftp(settings: SftpSettings) -> SftpTransport:
    """Open a checked, authenticated session, or raise a ConnectError that says what to do."""
    pkey = load_identity(settings.identity_file, settings.passphrase)
    known = KnownHosts.load(settings.known_hosts)
    client = paramiko.SSHClient()
    known.install(client.get_host_keys(), host_entry_name(settings.host, settings.port))
    client.set_missing_host_key_policy(
        KnownHostsPolicy(settings.host, settings.port, known, trust_new_host=settings.trust_new_host)
    )
    where = f"{settings.host}:{settings.port}"
    try:
        client.connect(
            settings.host,
            port=settings.port,
            username=settings.user,
            password=settings.password,
            pkey=pkey,
            timeout=settings.timeout_seconds,
            banner_timeout=settings.timeout_seconds,
            auth_timeout=settings.timeout_seconds,
            # An explicit key means exactly that key; otherwise behave like ssh: agent, then ~/.ssh/id_*.
            allow_agent=pkey is None,
            look_for_keys=pkey is None,
        )
    except ShipError:
        client.close()
        raise
    except paramiko.BadHostKeyException as error:
        client.close()
        raise known.refuse_offered_key(settings.host, settings.port, error.key, error.expected_key) from None
    except paramiko.AuthenticationException as error:
        client.close()
        raise AuthError(_auth_message(settings, pkey, error)) from None
    except (socket.timeout, TimeoutError):
        client.close()
        raise ConnectError(
            f"connecting to {where} timed out after {settings.timeout_seconds:g} s; check the host, "
            "the port and any firewall in between",
            retryable=True,
        ) from None
    except (paramiko.SSHException, EOFError, OSError) as error:
        client.close()
        raise ConnectError(
            f"cannot reach the SFTP server at {where} ({first_line(error, limit=200)}); check the host, "
            "the port and that sshd is running",
            retryable=True,
        ) from None
    transport = client.get_transport()
    transport.set_keepalive(settings.keepalive_seconds)
    try:
        sftp = client.open_sftp()
    except (paramiko.SSHException, EOFError, OSError) as error:
        client.close()
        raise ConnectError(
            f"{where} accepted the login but refused the SFTP subsystem ({first_line(error, limit=200)}); "
            "ask its administrator to enable sftp for this account",
            retryable=False,
        ) from None
    sftp.get_channel().settimeout(settings.timeout_seconds)
    return SftpTransport(client, sftp, label=settings.label, timeout_seconds=settings.timeout_seconds)


def _auth_message(settings: SftpSettings, pkey: Optional[paramiko.PKey], error: Exception) -> str:
    where = f"{settings.host}:{settings.port}"
    allowed = getattr(error, "allowed_types", None)
    if pkey is not None:
        tried = f"key {settings.identity_file} ({fingerprint(pkey)})"
        fix = (
            f"add {settings.identity_file}.pub to ~{settings.user}/.ssh/authorized_keys on the server, "
            "or pass the right --identity-file"
        )
    else:
        tried = "the SSH agent's keys and ~/.ssh/id_*"
        fix = "pass --identity-file with a key the server knows"
    if settings.password:
        tried += " and the password from TWEETS_ETL_SFTP_PASSWORD"
    accepts = f" (it accepts: {', '.join(allowed)})" if allowed else ""
    return f"the SFTP server at {where} refused login as {settings.user} with {tried}{accepts}; {fix}"


def rename_extension_unsupported(error: OSError) -> bool:
    """Did the server refuse posix-rename@openssh.com because it does not know it?

    paramiko gives an errno only for "no such file" and "permission denied"; an unknown extension
    comes back as SSH_FX_OP_UNSUPPORTED, without errno, as "Operation unsupported" from OpenSSH or
    similar words from other servers. Any other failure is a real one and must not touch the target.
    """
    if error.errno is not None:
        return False
    text = str(error).lower()
    return any(words in text for words in ("unsupported", "not supported", "unknown extended"))


class _RemoteFile:
    """An open remote file whose failures come out as ship errors."""

    def __init__(self, owner: SftpTransport, handle: paramiko.SFTPFile, path: str) -> None:
        self._owner = owner
        self._handle = handle
        self._path = path

    def write(self, data: bytes) -> int:
        with self._owner._errors(self._path):
            self._handle.write(data)
        return len(data)

    def close(self) -> None:
        # Pipelined writes report a server-side failure only here, so close must be checked too.
        with self._owner._errors(self._path):
            self._handle.close()

    def __enter__(self) -> _RemoteFile:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            with contextlib.suppress(Exception):
                self._handle.close()


class SftpTransport(Transport):
    """A directory on the SFTP server; every operation maps failures to ship errors."""

    def __init__(
        self,
        client: paramiko.SSHClient,
        sftp: paramiko.SFTPClient,
        *,
        label: str,
        timeout_seconds: float,
    ) -> None:
        self.label = label
        self._client = client
        self._sftp = sftp
        self._timeout = timeout_seconds
        #: "exec" once sha256sum ran remotely, "read" once the server refused commands.
        self.hash_method: Optional[str] = None

    @contextlib.contextmanager
    def _errors(self, path: str) -> Iterator[None]:
        try:
            yield
        except ShipError:
            raise
        except (EOFError, socket.timeout, TimeoutError, paramiko.SSHException) as error:
            raise ConnectionLostError(
                f"connection lost while working on {path} ({first_line(error, limit=200)})"
            ) from None
        except OSError as error:
            if self._dropped():
                raise ConnectionLostError(
                    f"connection lost while working on {path} ({first_line(error, limit=200)})"
                ) from None
            raise FileShipError(
                f"the server refused an operation on {path}: {first_line(error, limit=200)}"
            ) from None

    def _dropped(self) -> bool:
        transport = self._client.get_transport()
        return transport is None or not transport.is_active() or self._sftp.get_channel().closed

    def prepare_dir(self, directory: str, *, create: bool) -> str:
        directory = directory[2:] if directory.startswith("~/") else directory
        with self._errors(directory):
            try:
                mode = self._sftp.stat(directory).st_mode
            except FileNotFoundError:
                if not create:
                    raise ConnectError(
                        f"remote directory {directory!r} does not exist on {self.label}; create it "
                        f"(`mkdir -p {shlex.quote(directory)}` on the server) or pass --create-remote-dir"
                    ) from None
                self._makedirs(directory)
                log.warning("created remote directory %s on %s", directory, self.label)
                mode = self._sftp.stat(directory).st_mode
            if not stat.S_ISDIR(mode or 0):
                raise ConnectError(f"remote path {directory!r} on {self.label} is not a directory")
            return self._sftp.normalize(directory)

    def _makedirs(self, directory: str) -> None:
        current = "/" if directory.startswith("/") else ""
        for part in [p for p in directory.split("/") if p]:
            current = posixpath.join(current, part) if current else part
            try:
                self._sftp.stat(current)
            except FileNotFoundError:
                try:
                    self._sftp.mkdir(current)
                except PermissionError:
                    raise ConnectError(
                        f"no permission to create remote directory {current!r} on {self.label}; "
                        "ask the server's administrator to create it"
                    ) from None

    def size(self, path: str) -> Optional[int]:
        with self._errors(path):
            try:
                attributes = self._sftp.stat(path)
            except FileNotFoundError:
                return None
        if not stat.S_ISREG(attributes.st_mode or 0):
            raise FileShipError(f"remote {path} exists but is not a regular file; move it aside")
        return attributes.st_size

    def open_write(self, path: str, offset: int):
        with self._errors(path):
            handle = self._sftp.open(path, "r+b" if offset else "wb")
            if offset:
                handle.truncate(offset)
                handle.seek(offset)
            # Pipelining sends writes without waiting for each ack: full speed on a long round trip.
            handle.set_pipelined(True)
        return _RemoteFile(self, handle, path)

    def sha256(self, path: str, size: int) -> str:
        if self.hash_method != "read":
            digest = self._exec_sha256(path, size)
            if digest is not None:
                return digest
        return self._read_back_sha256(path, size)

    def _exec_sha256(self, path: str, size: int) -> Optional[str]:
        timeout = self._timeout + size / _HASH_BYTES_PER_SECOND
        channel = None
        try:
            with self._errors(path):
                _stdin, stdout, _ = self._client.exec_command(
                    f"sha256sum -- {shlex.quote(path)}", timeout=timeout
                )
                channel = stdout.channel
                # A server that forces sftp on every channel then sees end of input and exits at once.
                channel.shutdown_write()
                output = stdout.read(4096)
                status = channel.recv_exit_status()
        except ConnectionLostError:
            if self._dropped():
                raise
            output, status = b"", -1
        finally:
            if channel is not None:
                channel.close()
        match = _SHA256SUM_LINE.match(output)
        if status == 0 and match:
            self.hash_method = "exec"
            return match.group(1).decode("ascii")
        if self.hash_method is None:
            log.info(
                "%s does not run sha256sum (exit %s); verifying by reading files back", self.label, status
            )
            self.hash_method = "read"
        return None

    def _read_back_sha256(self, path: str, size: int) -> str:
        digest = hashlib.sha256()
        with self._errors(path), self._sftp.open(path, "rb") as handle:
            handle.prefetch(size)
            for chunk in iter(lambda: handle.read(HASH_CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def read_small(self, path: str, limit: int) -> Optional[bytes]:
        with self._errors(path):
            try:
                with self._sftp.open(path, "rb") as handle:
                    return handle.read(limit)
            except FileNotFoundError:
                return None

    def rename(self, source: str, target: str, *, replace: bool) -> None:
        with self._errors(target):
            try:
                self._sftp.posix_rename(source, target)
                return
            except OSError as error:
                if self._dropped() or not rename_extension_unsupported(error):
                    raise
            log.debug("%s has no posix-rename; renaming %s with plain SFTP", self.label, target)
            if replace:
                # A plain SFTP rename refuses an existing target, so the old copy goes first: not atomic,
                # which is why this is only the fallback, and only for files we may replace.
                with contextlib.suppress(FileNotFoundError):
                    self._sftp.remove(target)
            self._sftp.rename(source, target)

    def remove(self, path: str) -> None:
        with self._errors(path), contextlib.suppress(FileNotFoundError):
            self._sftp.remove(path)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._sftp.close()
        with contextlib.suppress(Exception):
            self._client.close()
