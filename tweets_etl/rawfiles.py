"""The raw file format every producer writes and the ingest stage reads.

A raw file is gzip JSON lines, one line per X API v2 response page, exactly as the API sent it
(``data``, ``includes``, ``meta``, ``errors``), plus one provenance key, ``__twarc``, shaped like
twarc2's so that twarc2 output loads unchanged and our files stay readable by twarc tools::

    {"data": [...], "includes": {...}, "meta": {...},
     "__twarc": {"url": "https://api.x.com/2/tweets/search/recent?query=...",
                 "version": "0.1.0", "retrieved_at": "2026-11-24T01:41:00+00:00",
                 "producer": "tweets-etl collect", "query_id": "3f2a9c0d1e4b"}}

Each finished file has a sidecar ``NAME.manifest.json`` (pages, tweets, id range, byte size,
sha256) written after it, which the shipper verifies against. Files appear under their final name
only when complete: they are written under a hidden ``.part`` name, fsynced, then renamed.

This module is pure Python (no pyspark): the collector box has no Java.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from tweets_etl import __version__

PROVENANCE_KEY = "__twarc"
MANIFEST_SUFFIX = ".manifest.json"
RAW_SUFFIX = ".jsonl.gz"
FORMAT_NAME = "x-api-v2-pages"

log = logging.getLogger(__name__)


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def provenance(
    url: str,
    *,
    producer: str,
    retrieved_at: Optional[str] = None,
    query_id: Optional[str] = None,
    **extra: Any,
) -> Dict[str, Any]:
    """The provenance stamp for one page: twarc2's keys plus who produced it and for which query."""
    stamp: Dict[str, Any] = {
        "url": url,
        "version": __version__,
        "retrieved_at": retrieved_at or utc_now_iso(),
        "producer": producer,
    }
    if query_id:
        stamp["query_id"] = query_id
    stamp.update({key: value for key, value in extra.items() if value is not None})
    return stamp


def sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_path(raw_path: Path) -> Path:
    return raw_path.with_name(raw_path.name + MANIFEST_SUFFIX)


def read_manifest(raw_path: Path) -> Optional[Dict[str, Any]]:
    """The sidecar manifest of ``raw_path``, or None when there is none. One that cannot be read or is
    not a JSON object counts as absent, with a warning naming it: nothing is trusted on it, and the
    raw file is treated as one without a manifest (ingest decompresses such a gzip to check it)."""
    path = manifest_path(raw_path)
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # ValueError: not UTF-8, or not JSON
        log.warning(
            "%s is unreadable (%s: %s); treating %s as having no manifest",
            path,
            type(error).__name__,
            error,
            raw_path.name,
        )
        return None
    if not isinstance(manifest, dict):
        log.warning("%s is not a JSON object; treating %s as having no manifest", path, raw_path.name)
        return None
    return manifest


@dataclass
class FileStats:
    """What a manifest records about one raw file."""

    file: str
    pages: int = 0
    tweets: int = 0
    min_tweet_id: Optional[str] = None
    max_tweet_id: Optional[str] = None
    bytes: int = 0
    sha256: str = ""
    format: str = FORMAT_NAME
    producer: str = ""
    created_at: str = field(default_factory=utc_now_iso)
    extra: Dict[str, Any] = field(default_factory=dict)

    def add_page(self, page: Dict[str, Any]) -> None:
        self.pages += 1
        tweets = page.get("data")
        tweets = [tweets] if isinstance(tweets, dict) else tweets if isinstance(tweets, list) else []
        ids = [int(t["id"]) for t in tweets if isinstance(t, dict) and str(t.get("id", "")).isdigit()]
        self.tweets += len(tweets)
        if ids:
            low, high = min(ids), max(ids)
            self.min_tweet_id = str(low if self.min_tweet_id is None else min(low, int(self.min_tweet_id)))
            self.max_tweet_id = str(high if self.max_tweet_id is None else max(high, int(self.max_tweet_id)))


def fsync_dir(directory: Union[str, Path]) -> None:
    """Make a rename durable: its directory entry is on disk only once the directory is fsynced."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` so that ``path`` shows either nothing or the whole content."""
    part = path.with_name(f".{path.name}.part")
    with open(part, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, path)
    fsync_dir(path.parent)


class RawPageWriter:
    """Append raw pages to gzip JSON-lines files, rotating by size, each closed atomically with a manifest.

    Use as a context manager; ``close()`` finishes the current file. Files are named
    ``{prefix}-{UTC timestamp}-{sequence}.jsonl.gz`` so names sort in collection order.
    """

    def __init__(
        self,
        out_dir: Path,
        *,
        prefix: str,
        producer: str,
        rotate_bytes: int = 64 * 1024 * 1024,
        manifest_extra: Optional[Dict[str, Any]] = None,
        compresslevel: int = 6,
        started_at: Optional[datetime] = None,
    ) -> None:
        self.out_dir = Path(out_dir)
        self.prefix = prefix
        self.producer = producer
        self.rotate_bytes = rotate_bytes
        self.manifest_extra = dict(manifest_extra or {})
        self.compresslevel = compresslevel
        self.finished: List[Path] = []
        self._sequence = 0
        self._stamp = (started_at or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
        self._raw = None
        self._gzip = None
        self._stats: Optional[FileStats] = None
        self._path: Optional[Path] = None

    def __enter__(self) -> RawPageWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # A page is written whole or not at all, so finishing the file is right even after an error:
        # every page already written is kept and shipped, and the state file says where to resume.
        self.close()

    def write_page(self, page: Dict[str, Any]) -> None:
        if self._gzip is None:
            self._open_next()
        line = json.dumps(page, ensure_ascii=False, separators=(",", ":")) + "\n"
        self._gzip.write(line.encode("utf-8"))
        self._stats.add_page(page)
        if self._raw.tell() >= self.rotate_bytes:
            self.close()

    def _open_next(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        # Two writers started in the same second must not pick the same name.
        while True:
            self._sequence += 1
            name = f"{self.prefix}-{self._stamp}-{self._sequence:04d}{RAW_SUFFIX}"
            if not (self.out_dir / name).exists() and not (self.out_dir / f".{name}.part").exists():
                break
        self._path = self.out_dir / name
        self._raw = open(self.out_dir / f".{name}.part", "wb")  # noqa: SIM115 - closed in close()
        # No name and mtime=0 in the gzip header: the bytes depend on the pages alone (same pages, same sha256).
        self._gzip = gzip.GzipFile(
            filename="", fileobj=self._raw, mode="wb", compresslevel=self.compresslevel, mtime=0
        )
        self._stats = FileStats(file=name, producer=self.producer, extra=dict(self.manifest_extra))

    def close(self) -> Optional[Path]:
        """Finish the current file (if any page was written) and return its final path."""
        if self._gzip is None:
            return None
        self._gzip.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        part = self.out_dir / f".{self._path.name}.part"
        path, stats = self._path, self._stats
        self._gzip = self._raw = self._stats = self._path = None
        if stats.pages == 0:
            part.unlink()
            return None
        # link + unlink instead of rename: it fails rather than overwrite a finished file.
        os.link(part, path)
        part.unlink()
        fsync_dir(path.parent)
        stats.bytes = path.stat().st_size
        stats.sha256 = sha256_file(path)
        manifest = asdict(stats)
        manifest.update(manifest.pop("extra"))
        write_atomically(manifest_path(path), (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
        self.finished.append(path)
        return path
