"""A crash-safe page journal between the API and the raw files.

A raw file is gzip and only complete once it is closed and renamed, so a collector killed with
SIGKILL (or a power cut) would lose every page of the file it had open, while the state file already
says those pages were collected: a silent gap. Pages therefore go first to this spool, one plain JSON
line each, flushed and fsynced before the state moves on. The spool is turned into raw files (through
:class:`~tweets_etl.rawfiles.RawPageWriter`) when it grows past the rotation size, at the end of a run,
and at the start of the next run if the previous one was killed.

The first line names the spool (``{"__spool__": {"id": ...}}``). Draining it makes exactly one raw
file, named from the spool id and the time of its first page, with the id in the manifest; only then
is the id recorded as drained (the caller saves it in the collector state, atomically) and the spool
deleted. A run killed anywhere in between is finished by the next one without writing a page twice:

* before the raw file is complete (a ``.part``, or a file linked before its manifest): those are
  removed and the spool is drained again;
* after the manifest: the file is found in the raw folder and not written again; if ``ship`` has
  moved it away meanwhile, draining again makes the same name with the same bytes (gzip without a
  timestamp), which the shipper finds already there;
* after the id was recorded: the spool is only deleted, wherever its raw file has gone.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from tweets_etl.collect.errors import CollectError
from tweets_etl.rawfiles import PROVENANCE_KEY, RAW_SUFFIX, RawPageWriter, read_manifest

log = logging.getLogger(__name__)

HEADER_KEY = "__spool__"
# Given the spool id and the time of its first page, a writer whose file names depend on those alone.
WriterFactory = Callable[[Optional[str], Optional[datetime]], RawPageWriter]


class PageSpool:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._handle = None

    def append(self, page: Dict[str, Any]) -> None:
        """Add one page and make it durable before returning."""
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._drop_partial_tail()
            fresh = not self.path.exists() or self.path.stat().st_size == 0
            self._handle = open(self.path, "ab")  # noqa: SIM115 - kept open across appends, closed in close()
            if fresh:
                self._write_line({HEADER_KEY: {"id": uuid.uuid4().hex}})
        self._write_line(page)
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def _drop_partial_tail(self) -> None:
        """Cut a last line left unfinished by a kill, so new pages start on a line of their own."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep < len(data):
            with open(self.path, "r+b") as handle:
                handle.truncate(keep)

    def _write_line(self, obj: Dict[str, Any]) -> None:
        self._handle.write(
            (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        )

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def read(self) -> Tuple[Optional[str], List[Dict[str, Any]]]:
        """The spool id and its complete pages; a last line cut short by a kill is ignored."""
        if not self.path.exists():
            return None, []
        spool_id: Optional[str] = None
        pages: List[Dict[str, Any]] = []
        lines = self.path.read_bytes().split(b"\n")
        # Everything after the last newline was never finished, so it was never counted in the state.
        for number, line in enumerate(lines[:-1], start=1):
            try:
                obj = json.loads(line)
            except ValueError:
                raise CollectError(
                    f"the page spool {self.path} is damaged at line {number}; move it aside and run again "
                    "(the pages in it are then collected again)"
                ) from None
            if number == 1 and isinstance(obj, dict) and HEADER_KEY in obj:
                spool_id = obj[HEADER_KEY].get("id")
            else:
                pages.append(obj)
        return spool_id, pages

    def drain(
        self,
        make_writer: WriterFactory,
        *,
        drained_id: Optional[str] = None,
        record_drained: Callable[[str], None] = lambda spool_id: None,
    ) -> List[Path]:
        """Move every spooled page into one raw file, record the spool as drained, delete the spool.

        ``drained_id`` is the spool id last recorded through ``record_drained``. Returns the new raw files.
        """
        self.close()
        spool_id, pages = self.read()
        files: List[Path] = []
        if pages and spool_id is not None and spool_id == drained_id:
            log.info("the %d spooled pages are already in raw files (spool %s)", len(pages), spool_id)
        elif pages:
            files = _write_raw_file(spool_id, pages, make_writer)
            if spool_id:
                record_drained(spool_id)
        self.discard()
        return files

    def discard(self) -> None:
        """Delete the spool: its pages are in a raw file, or recorded as being in one."""
        self.close()
        if self.path.exists():
            self.path.unlink()


def _write_raw_file(
    spool_id: Optional[str], pages: List[Dict[str, Any]], make_writer: WriterFactory
) -> List[Path]:
    writer = make_writer(spool_id, _first_retrieved_at(pages))
    # Without an id (not a spool this collector wrote) no earlier file can be told apart as its own.
    leftovers = _files_of(writer) if spool_id else []
    done = [path for path in leftovers if _manifest_names(path, spool_id)]
    if done:
        log.info("the %d spooled pages are already in %s (spool %s)", len(pages), done[0].name, spool_id)
        return []
    for path in leftovers:
        # Unfinished (no manifest): never shipped, and the spool still holds every page it has.
        log.info("removing %s, left unfinished by an interrupted run; its pages are written again", path.name)
        path.unlink()
    # No `with`: after an error the writer would finish a file cut short, manifest and all, and that
    # would pass for a drained spool. Left as a .part, the next drain removes it and starts over.
    for page in pages:
        writer.write_page(page)
    writer.close()
    return list(writer.finished)


def _files_of(writer: RawPageWriter) -> List[Path]:
    """The raw files (finished or not) a writer with this prefix has made: one spool's, by the name."""
    if not writer.out_dir.is_dir():
        return []
    finished = writer.out_dir.glob(f"{writer.prefix}-*{RAW_SUFFIX}")
    unfinished = writer.out_dir.glob(f".{writer.prefix}-*{RAW_SUFFIX}.part")
    return sorted([*finished, *unfinished])


def _manifest_names(raw_path: Path, spool_id: Optional[str]) -> bool:
    try:
        manifest = read_manifest(raw_path)
    except (OSError, ValueError):
        return False
    return manifest is not None and manifest.get("spool_id") == spool_id


def _first_retrieved_at(pages: List[Dict[str, Any]]) -> Optional[datetime]:
    """When the spool's first page was fetched: a time that names its raw file the same on every drain."""
    stamp = pages[0].get(PROVENANCE_KEY) if isinstance(pages[0], dict) else None
    try:
        return datetime.fromisoformat(stamp["retrieved_at"])
    except (TypeError, KeyError, ValueError):
        return None
