"""Where files go: a small interface the shipper talks to, and its local-folder implementation.

The shipper only needs a handful of operations on a target directory (stat, write from an offset, hash,
rename, remove, make directories). :class:`LocalTransport` does them on a folder, so the embedded
default (``var/landing``) goes through exactly the same plan/verify/rename code as SFTP does, without an
SSH server; :class:`tweets_etl.ship.sftp.SftpTransport` does them over paramiko.

Paths given to a transport are POSIX strings; the shipper builds them from a checked directory and a
checked file name, so a transport never sees ``..`` or a separator inside a name.
"""

from __future__ import annotations

import abc
import contextlib
import errno
import hashlib
import os
from pathlib import Path
from typing import BinaryIO, Optional

from tweets_etl.rawfiles import fsync_dir
from tweets_etl.ship.errors import ConnectError, FileShipError

HASH_CHUNK = 1 << 20


class Transport(abc.ABC):
    """Operations on the target side; implementations raise ship errors, never library exceptions."""

    #: Prefix naming the target side in messages; the shipper appends the absolute directory.
    label: str = ""

    @abc.abstractmethod
    def prepare_dir(self, directory: str, *, create: bool) -> str:
        """Check (or create) the target directory and return it as an absolute path."""

    @abc.abstractmethod
    def size(self, path: str) -> Optional[int]:
        """Size in bytes of a regular file, or None when nothing is there."""

    @abc.abstractmethod
    def open_write(self, path: str, offset: int) -> BinaryIO:
        """Open for writing at ``offset``: 0 truncates, more keeps the first ``offset`` bytes."""

    @abc.abstractmethod
    def sha256(self, path: str, size: int) -> str:
        """Hex sha256 of the file as stored on the target (``size`` lets slow hashes pick a timeout)."""

    @abc.abstractmethod
    def read_small(self, path: str, limit: int) -> Optional[bytes]:
        """Whole content of a small file (at most ``limit`` bytes are read), or None if missing."""

    @abc.abstractmethod
    def rename(self, source: str, target: str, *, replace: bool) -> None:
        """Rename ``source`` to ``target``, atomically where the target side can.

        ``replace`` says an existing ``target`` may be replaced (a manifest); without it the caller has
        checked that ``target`` is absent (a data file), so a transport must never delete it first.
        """

    @abc.abstractmethod
    def remove(self, path: str) -> None:
        """Delete a file; a missing file is not an error."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the session; safe to call twice."""


class _SyncedFile:
    """A local file whose data is flushed to disk on close, before the shipper renames it.

    Failures name the target file (a full disk shows up here, in write or in the flush on close) as
    ship errors, so the shipper fails this one file and goes on to the next.
    """

    def __init__(self, handle: BinaryIO, path: str) -> None:
        self._handle = handle
        self._path = path

    def write(self, data: bytes) -> int:
        try:
            return self._handle.write(data)
        except OSError as error:
            raise _file_error(self._path, error) from None

    def close(self) -> None:
        if self._handle.closed:
            return
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as error:
            raise _file_error(self._path, error) from None
        finally:
            _close_quietly(self._handle)

    def __enter__(self) -> _SyncedFile:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            # The error in flight says what went wrong; a second one from the flush would hide it.
            _close_quietly(self._handle)


def _close_quietly(handle: BinaryIO) -> None:
    with contextlib.suppress(OSError):
        handle.close()


class LocalTransport(Transport):
    """A folder on this machine: the embedded default target, and a landing zone on an NFS mount."""

    label = ""

    def prepare_dir(self, directory: str, *, create: bool) -> str:
        path = Path(directory).expanduser()
        if not path.is_dir():
            if path.exists():
                raise ConnectError(f"target {path} exists but is not a folder; point --remote-dir elsewhere")
            if not create:
                raise ConnectError(
                    f"target folder {path} does not exist; create it or pass --create-remote-dir"
                )
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ConnectError(f"cannot create target folder {_file_error(str(path), error)}") from None
        return str(path.resolve())

    def size(self, path: str) -> Optional[int]:
        try:
            return os.stat(path).st_size
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _file_error(path, error) from None

    def open_write(self, path: str, offset: int) -> BinaryIO:
        try:
            handle = open(path, "r+b" if offset else "wb")  # noqa: SIM115 - returned to the caller
            if offset:
                handle.seek(offset)
                handle.truncate()
        except OSError as error:
            raise _file_error(path, error) from None
        return _SyncedFile(handle, path)  # type: ignore[return-value]

    def sha256(self, path: str, size: int) -> str:
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(HASH_CHUNK), b""):
                    digest.update(chunk)
        except OSError as error:
            raise _file_error(path, error) from None
        return digest.hexdigest()

    def read_small(self, path: str, limit: int) -> Optional[bytes]:
        try:
            with open(path, "rb") as handle:
                return handle.read(limit)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _file_error(path, error) from None

    def rename(self, source: str, target: str, *, replace: bool) -> None:
        # os.replace either way: a data file's target was checked to be absent just before.
        try:
            os.replace(source, target)
            fsync_dir(os.path.dirname(target))
        except OSError as error:
            raise _file_error(target, error) from None

    def remove(self, path: str) -> None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as error:
            raise _file_error(path, error) from None

    def close(self) -> None:
        """A folder holds no session."""


def _file_error(path: str, error: OSError) -> FileShipError:
    reason = os.strerror(error.errno) if error.errno else str(error)
    if error.errno == errno.ENOSPC:
        reason += " (the target disk is full)"
    return FileShipError(f"{path}: {reason.lower()}")
