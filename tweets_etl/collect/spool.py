"""A crash-safe page journal between the API and the raw files.

A raw file is gzip and only complete once it is closed and renamed, so a collector killed with
SIGKILL (or a power cut) would lose every page of the file it had open, while the state file already
says those pages were collected: a silent gap. Pages therefore go first to this spool, one plain JSON
line each, flushed and fsynced before the state moves on. The spool is turned into raw files (through
:class:`~tweets_etl.rawfiles.RawPageWriter`) when it grows past the rotation size, at the end of a run,
and at the start of the next run if the previous one was killed.

The first line names the spool (``{"__spool__": {"id": ...}}``) and that id is written into the
manifests of the raw files made from it, so a run killed between writing the raw files and deleting
the spool does not write the same pages twice.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from tweets_etl.collect.errors import CollectError
from tweets_etl.rawfiles import MANIFEST_SUFFIX, RawPageWriter

log = logging.getLogger(__name__)

HEADER_KEY = "__spool__"
WriterFactory = Callable[[Dict[str, Any]], RawPageWriter]


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

    def drain(self, out_dir: Path, make_writer: WriterFactory, *, check_done: bool = False) -> List[Path]:
        """Move every spooled page into raw files, then delete the spool. Returns the new raw files."""
        self.close()
        spool_id, pages = self.read()
        if pages and check_done and spool_id and _already_drained(Path(out_dir), spool_id):
            log.info(
                "the %d spooled pages are already in raw files (spool %s); removing the spool",
                len(pages),
                spool_id,
            )
            pages = []
        files: List[Path] = []
        if pages:
            with make_writer({"spool_id": spool_id}) as writer:
                for page in pages:
                    writer.write_page(page)
            files = list(writer.finished)
        if self.path.exists():
            self.path.unlink()
        return files


def _already_drained(out_dir: Path, spool_id: str) -> bool:
    for manifest in _manifests(out_dir):
        try:
            if json.loads(manifest.read_text(encoding="utf-8")).get("spool_id") == spool_id:
                return True
        except (OSError, ValueError):
            continue
    return False


def _manifests(out_dir: Path) -> Iterator[Path]:
    if out_dir.is_dir():
        yield from out_dir.glob(f"*{MANIFEST_SUFFIX}")
