"""Ship planned files to a transport: upload to ``.NAME.part``, verify, rename, manifest last, then archive.

For each file, in name order:

1. If ``NAME`` is already on the target with the manifest's size and sha256, it is not sent again (only a
   missing manifest is completed). A ``NAME`` with other content is never overwritten: that file fails.
2. Upload to ``.NAME.part`` (hidden, like ``RawPageWriter``'s own, so no reader lists it): from the size
   of a ``.part`` an earlier run left behind (resume), else from 0. The local file is hashed in the same
   pass and must still match its manifest.
3. Verify the remote part file: size and sha256 against the manifest. A resumed file that does not verify
   is uploaded once more from the beginning.
4. Rename ``.part`` to ``NAME`` (atomic where the server supports posix-rename), then write
   ``NAME.manifest.json`` the same way: a reader that sees a manifest knows its file is whole.
5. Only then move the local file and its manifest to the shipped folder.

A dropped connection is retried with exponential backoff and the file resumes where the server's
``.part`` ends; a problem with one file (conflict, mismatch, permission) fails that file and the
others go on; login, host key and remote directory problems stop the run (a person must act).
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from tweets_etl.ship.errors import ConnectError, ConnectionLostError, FileShipError
from tweets_etl.ship.plan import PART_SUFFIX, ShipItem, ShipPlan, check_remote_name
from tweets_etl.ship.transport import Transport

log = logging.getLogger(__name__)

SENT = "sent"
ALREADY_THERE = "already there"
FAILED = "FAILED"
NOT_SENT = "not sent"
MAX_BACKOFF_SECONDS = 60.0

#: Called after every chunk with the file and the number of its bytes now on the target side.
ChunkObserver = Callable[[ShipItem, int], None]


@dataclass
class FileResult:
    """The outcome for one local file."""

    name: str
    status: str
    size: int = 0
    bytes_sent: int = 0
    resumed_from: int = 0
    attempts: int = 0
    message: str = ""

    @property
    def arrived(self) -> bool:
        return self.status in (SENT, ALREADY_THERE)


@dataclass
class ShipReport:
    """Everything a run did; ``all_arrived`` decides the exit code."""

    target: str
    results: List[FileResult] = field(default_factory=list)
    held_back: List[Path] = field(default_factory=list)
    fatal: Optional[ConnectError] = None
    seconds: float = 0.0

    @property
    def all_arrived(self) -> bool:
        return self.fatal is None and all(result.arrived for result in self.results)

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    def summary(self) -> str:
        arrived = sum(1 for result in self.results if result.arrived)
        sent_bytes = sum(result.bytes_sent for result in self.results)
        lines = [
            f"ship: {arrived} of {plural(len(self.results), 'file')} arrived at {self.target} "
            f"({self.count(SENT)} sent, {self.count(ALREADY_THERE)} already there, "
            f"{len(self.results) - arrived} not arrived); {human_bytes(sent_bytes)} sent in {self.seconds:.1f} s"
        ]
        for result in self.results:
            detail = f"  {result.status:<14} {result.name}  {human_bytes(result.size)}"
            if result.resumed_from:
                detail += f" (resumed at {human_bytes(result.resumed_from)})"
            if result.message:
                detail += f": {result.message}"
            lines.append(detail)
        if self.held_back:
            names = ", ".join(path.name for path in self.held_back)
            lines.append(
                f"held back, no manifest (check they are complete, then --include-unmanifested): {names}"
            )
        return "\n".join(lines)


def part_path(directory: str, name: str) -> str:
    """Where ``name`` is written before its rename: hidden, so Spark and Hadoop input listings skip it."""
    return posixpath.join(directory, f".{name}{PART_SUFFIX}")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def human_bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"


class _MismatchError(Exception):
    """The remote .part does not match the manifest."""


class Shipper:
    """Ships a :class:`ShipPlan` through transports made by ``connect`` (called again after a drop)."""

    def __init__(
        self,
        connect: Callable[[], Transport],
        remote_dir: str,
        *,
        shipped_dir: Optional[Path] = None,
        create_remote_dir: bool = False,
        retries: int = 4,
        backoff_seconds: float = 2.0,
        chunk_size: int = 256 * 1024,
        progress: Optional[bool] = None,
        observers: Sequence[ChunkObserver] = (),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._connect = connect
        self.remote_dir = remote_dir
        self.shipped_dir = shipped_dir
        self.create_remote_dir = create_remote_dir
        self.retries = max(0, retries)
        self.backoff_seconds = backoff_seconds
        self.chunk_size = chunk_size
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.observers = list(observers)
        self._sleep = sleep
        self._transport: Optional[Transport] = None
        self._directory = ""
        self._target = remote_dir
        self._bar = None
        self._shown: Dict[Path, int] = {}

    def ship(self, plan: ShipPlan) -> ShipReport:
        started = time.monotonic()
        report = ShipReport(target=self._target, held_back=list(plan.held_back))
        for rejected in plan.rejected:
            report.results.append(FileResult(rejected.path.name, FAILED, message=rejected.reason))
        self._bar = _progress_bar(plan.total_bytes) if self.progress and plan.items else None
        try:
            for index, item in enumerate(plan.items):
                try:
                    report.results.append(self._ship_with_retries(item))
                except ConnectError as error:
                    report.fatal = error
                    for rest in plan.items[index:]:
                        report.results.append(FileResult(rest.path.name, NOT_SENT, size=rest.size))
                    break
        finally:
            self._disconnect()
            if self._bar is not None:
                self._bar.close()
        report.target = self._target
        report.seconds = time.monotonic() - started
        return report

    def _ship_with_retries(self, item: ShipItem) -> FileResult:
        attempts = 0
        while True:
            attempts += 1
            try:
                transport, directory = self._session()
                result = self._ship_once(transport, directory, item)
            except (ConnectionLostError, ConnectError) as error:
                self._disconnect()
                if isinstance(error, ConnectError) and not error.retryable:
                    raise
                if attempts > self.retries:
                    if isinstance(error, ConnectError):
                        raise
                    message = f"{error}; gave up after {attempts} attempts (run again to resume)"
                    return FileResult(
                        item.path.name, FAILED, size=item.size, attempts=attempts, message=message
                    )
                delay = min(self.backoff_seconds * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)
                log.warning(
                    "%s; retrying in %.1f s (attempt %d of %d)", error, delay, attempts + 1, self.retries + 1
                )
                self._sleep(delay)
                continue
            except FileShipError as error:
                log.error("%s not shipped: %s", item.path.name, error)
                return FileResult(
                    item.path.name, FAILED, size=item.size, attempts=attempts, message=str(error)
                )
            result.attempts = attempts
            self._archive_local(item, result)
            return result

    def _session(self) -> Tuple[Transport, str]:
        if self._transport is None:
            transport = self._connect()
            try:
                self._directory = transport.prepare_dir(self.remote_dir, create=self.create_remote_dir)
            except BaseException:
                transport.close()
                raise
            self._transport = transport
            self._target = transport.label + self._directory
        return self._transport, self._directory

    def _disconnect(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _ship_once(self, transport: Transport, directory: str, item: ShipItem) -> FileResult:
        final = posixpath.join(directory, check_remote_name(item.remote_name))
        part = part_path(directory, item.remote_name)
        manifest = posixpath.join(directory, check_remote_name(item.remote_manifest_name))
        existing = transport.size(final)
        if existing is not None:
            if existing == item.size and transport.sha256(final, existing) == item.sha256:
                self._put_manifest(transport, item, manifest)
                transport.remove(part)
                self._advance(item, item.size)
                return FileResult(item.path.name, ALREADY_THERE, size=item.size)
            raise FileShipError(
                f"{final} already exists on the target with different content ({existing} bytes); it was "
                "not overwritten: compare the two, move the remote one aside, then run again"
            )
        offset = self._resume_offset(transport, part, item)
        if offset:
            log.info("resuming %s at byte %d of %d", item.path.name, offset, item.size)
        sent = self._upload(transport, item, part, offset)
        try:
            self._verify(transport, part, item)
        except _MismatchError as mismatch:
            if not offset:
                transport.remove(part)
                raise FileShipError(
                    f"the uploaded copy {mismatch}; the .part was removed, run again"
                ) from None
            log.warning(
                "resumed %s did not verify (%s); uploading it again from the start", item.path.name, mismatch
            )
            offset = 0
            sent += self._upload(transport, item, part, 0)
            try:
                self._verify(transport, part, item)
            except _MismatchError as again:
                transport.remove(part)
                raise FileShipError(f"the uploaded copy {again}; the .part was removed, run again") from None
        transport.rename(part, final, replace=False)
        self._put_manifest(transport, item, manifest)
        log.info("shipped %s (%d bytes, sha256 verified)", item.path.name, item.size)
        return FileResult(item.path.name, SENT, size=item.size, bytes_sent=sent, resumed_from=offset)

    def _resume_offset(self, transport: Transport, part: str, item: ShipItem) -> int:
        size = transport.size(part)
        if size is None:
            return 0
        if size > item.size:
            # Longer than the file can be: not ours to continue.
            transport.remove(part)
            return 0
        return size

    def _upload(self, transport: Transport, item: ShipItem, part: str, offset: int) -> int:
        """Send bytes ``offset..size`` of the local file to ``part``; returns the bytes sent."""
        digest = hashlib.sha256()
        sent = 0
        try:
            with open(item.path, "rb") as local:
                # The prefix already on the server is hashed too, so the local check covers the whole file.
                for chunk in _chunks(local, offset, self.chunk_size):
                    digest.update(chunk)
                position = offset
                self._advance(item, position)
                with transport.open_write(part, offset) as remote:
                    for chunk in _chunks(local, item.size - offset, self.chunk_size):
                        digest.update(chunk)
                        remote.write(chunk)
                        position += len(chunk)
                        sent += len(chunk)
                        self._advance(item, position)
        except OSError as error:
            # Transports raise ship errors for the target side, so an OSError here is the local file's.
            raise FileShipError(f"cannot read {item.path}: {error.strerror or error}") from None
        if digest.hexdigest() != item.sha256:
            transport.remove(part)
            raise FileShipError(
                f"{item.path.name} no longer matches its manifest (sha256 differs): it changed after the "
                "manifest was written, so it was not shipped"
            )
        return sent

    def _verify(self, transport: Transport, part: str, item: ShipItem) -> None:
        size = transport.size(part)
        if size != item.size:
            raise _MismatchError(f"is {size} bytes on the target, not the manifest's {item.size}")
        digest = transport.sha256(part, size)
        if digest != item.sha256:
            raise _MismatchError(
                f"has sha256 {digest[:12]}… on the target, not the manifest's {item.sha256[:12]}…"
            )

    def _put_manifest(self, transport: Transport, item: ShipItem, manifest: str) -> None:
        limit = len(item.manifest) + 1
        if transport.read_small(manifest, limit) == item.manifest:
            return
        part = part_path(posixpath.dirname(manifest), posixpath.basename(manifest))
        with transport.open_write(part, 0) as remote:
            remote.write(item.manifest)
        if transport.read_small(part, limit) != item.manifest:
            transport.remove(part)
            raise FileShipError(f"the manifest of {item.path.name} did not read back intact; run again")
        # A manifest may replace an older one: the data file it describes was verified just now.
        transport.rename(part, manifest, replace=True)

    def _advance(self, item: ShipItem, position: int) -> None:
        # The bar counts each file's bytes once, however often a drop makes it resend them.
        shown = self._shown.get(item.path, 0)
        if self._bar is not None and position > shown:
            self._bar.update(position - shown)
        self._shown[item.path] = max(shown, position)
        for observer in self.observers:
            observer(item, position)

    def _archive_local(self, item: ShipItem, result: FileResult) -> None:
        """Move the local file, then its manifest, to the shipped folder; never before remote verification."""
        if self.shipped_dir is None:
            return
        try:
            self.shipped_dir.mkdir(parents=True, exist_ok=True)
            shutil.move(str(item.path), str(self.shipped_dir / item.path.name))
            shutil.move(str(item.manifest_path), str(self.shipped_dir / item.manifest_path.name))
        except OSError as error:
            # The remote copy is verified; the next run finds it "already there" and moves it then.
            result.message = (
                f"arrived, but could not be moved to {self.shipped_dir}: {error.strerror or error}"
            )
            log.warning("%s %s", item.path.name, result.message)


def _chunks(handle, count: int, chunk_size: int):
    while count > 0:
        chunk = handle.read(min(chunk_size, count))
        if not chunk:
            raise FileShipError(
                f"{handle.name} is shorter than its manifest says; it changed, so it was not shipped"
            )
        count -= len(chunk)
        yield chunk


def _progress_bar(total: int):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc="ship", leave=False)
