"""What every importer shares: v2 page building, synthetic ids, time parsing, entities, counting.

Imported tweets are written as X API v2 search pages (``data``, ``includes``, ``meta``) of at most
100 tweets, so the Spark ingest cannot tell them from collected pages apart from the provenance.

Synthetic ids, for rows that have none, are deterministic (the same tweet always gets the same id, so
a re-import dedupes) and are decimal strings in ``[3 * 2**61, 2**63)``: a signed 64-bit
integer whose three top bits are ``011``. A real snowflake id is ``(milliseconds since 2010-11-04)
<< 22``, which reaches that range only in 2063, so the two cannot collide; they still fit BIGINT.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable, Dict, Iterator, List, Optional, TextIO, Tuple

from tweets_etl.rawfiles import PROVENANCE_KEY
from tweets_etl.xapi import format_api_timestamp

PAGE_SIZE = 100
PRODUCER = "tweets-etl import"
SYNTHETIC_ID_BASE = 3 << 61
SYNTHETIC_ID_SPAN = 1 << 61
MAX_BIGINT = (1 << 63) - 1
SAMPLES_PER_REASON = 5
# What stops a file from being read any further: a truncated .gz (EOFError), one that is not gzip or
# fails its CRC (gzip.BadGzipFile, an OSError), corrupt compressed data (zlib.error), a disk error.
# tweets_etl.io.raw stops on the same errors when the Spark ingest checks raw files.
UNREADABLE_ERRORS = (EOFError, OSError, zlib.error)

# Spreadsheet and pandas spellings of "no value".
NULL_TOKENS = frozenset({"", "#n/a", "n/a", "na", "nan", "null", "none", "nil", "#null!", "#value!", "<na>"})

_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, start=1)}
_TWITTER_TIME = re.compile(
    r"^(?:[A-Za-z]{3} )?([A-Za-z]{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ([+-]\d{4}) (\d{4})$"
)
_ISO_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$"
)
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_DECIMAL_ID = re.compile(r"^\d{1,19}$")

_HASHTAG = re.compile(r"(?<![\w&])[#\uff03](\w*[^\W\d]\w*)")
_MENTION = re.compile(r"(?<![\w@])[@\uff20](\w{1,15})")
_CASHTAG = re.compile(r"(?<![\w$])\$([A-Za-z]{1,6}(?:[._][A-Za-z]{1,2})?)(?!\w)")
_URL = re.compile(r"https?://[^\s<>\"]+")
_URL_TRAILING = ".,;:!?)]}'\u2026"


class RowRejectedError(Exception):
    """A row or record that cannot become a tweet; ``reason`` is a short code counted in the summary."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_null(value: Optional[str]) -> bool:
    return value is None or value.strip().lower() in NULL_TOKENS


def synthetic_id(kind: str, content: Dict[str, Any]) -> str:
    """A stable id for something that has none; see the module docstring for the range."""
    text = json.dumps({"kind": kind, **content}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return str(SYNTHETIC_ID_BASE + int.from_bytes(digest[:8], "big") % SYNTHETIC_ID_SPAN)


def place_id(full_name: str, country: Optional[str]) -> str:
    """16 hex digits like the API's place ids, derived from the names."""
    return hashlib.sha256(f"place\n{full_name}\n{country or ''}".encode()).hexdigest()[:16]


def check_id(value: Optional[str], *, field_name: str) -> Optional[str]:
    """A tweet or user id as a decimal string, or a rejection; ids never pass through floats."""
    if value is None:
        return None
    text = value.strip()
    if _DECIMAL_ID.match(text) and int(text) <= MAX_BIGINT:
        return str(int(text)) if text != "0" else text
    if _SCIENTIFIC.match(text):
        raise RowRejectedError(f"{field_name}_in_scientific_notation")
    if re.match(r"^\d+[.,]\d+$", text):
        raise RowRejectedError(f"{field_name}_not_an_integer")
    raise RowRejectedError(f"bad_{field_name}")


def parse_time(value: str) -> str:
    """v1 (``Wed Oct 10 20:19:24 +0000 2018``) or ISO-like times -> v2 ``2018-10-10T20:19:24.000Z``.

    A time without an offset is taken as UTC (exports written from the API are UTC).
    Raises ValueError when the text is not a time.
    """
    text = value.strip()
    match = _TWITTER_TIME.match(text)
    if match:
        month, day, hour, minute, second, offset, year = match.groups()
        if month.lower() not in _MONTHS:
            raise ValueError(f"unknown month in {value!r}")
        moment = datetime(int(year), _MONTHS[month.lower()], int(day), int(hour), int(minute), int(second))
        return format_api_timestamp(moment - _offset(offset))
    match = _ISO_TIME.match(text)
    if not match:
        raise ValueError(f"not a time: {value!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    moment = datetime(
        int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), micro
    )
    return format_api_timestamp(moment - _offset(zone))


def _offset(zone: Optional[str]) -> timedelta:
    if not zone or zone in ("Z", "z", "UTC"):
        return timedelta(0)
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    delta = timedelta(hours=hours, minutes=minutes)
    return -delta if zone[0] == "-" else delta


def entities_from_text(text: str) -> Dict[str, List[Dict[str, Any]]]:
    """Hashtags, mentions, cashtags and links found in the text, with v2 offsets (code points).

    For exports that carry only the text: the API derives its entities from the text the same way,
    so the pipeline's hashtag and mention tables work for imported rows too.
    """
    found: Dict[str, List[Dict[str, Any]]] = {}
    urls = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_URL_TRAILING)
        urls.append({"start": match.start(), "end": match.start() + len(url), "url": url})
    spans = [(u["start"], u["end"]) for u in urls]

    def outside_urls(start: int) -> bool:
        return not any(low <= start < high for low, high in spans)

    hashtags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)}
        for m in _HASHTAG.finditer(text)
        if outside_urls(m.start())
    ]
    mentions = [
        {"start": m.start(), "end": m.end(), "username": m.group(1)}
        for m in _MENTION.finditer(text)
        if outside_urls(m.start())
    ]
    cashtags = [
        {"start": m.start(), "end": m.end(), "tag": m.group(1)}
        for m in _CASHTAG.finditer(text)
        if outside_urls(m.start())
    ]
    for key, items in (
        ("hashtags", hashtags),
        ("mentions", mentions),
        ("cashtags", cashtags),
        ("urls", urls),
    ):
        if items:
            found[key] = items
    return found


def file_time(path: Path) -> str:
    """When the export was written: the best stand-in for when its tweets were retrieved."""
    return datetime.fromtimestamp(int(path.stat().st_mtime), timezone.utc).isoformat()


@dataclass
class ImportStats:
    """Counts for one input file: every row ends up written, rejected (with a reason) or skipped."""

    source: str
    rows_read: int = 0
    tweets_written: int = 0
    pages_written: int = 0
    blank_lines: int = 0
    synthetic_ids: int = 0
    rejected: Counter = field(default_factory=Counter)
    samples: Dict[str, List[str]] = field(default_factory=dict)
    warnings: Counter = field(default_factory=Counter)
    files: List[Path] = field(default_factory=list)
    failed: Optional[str] = None
    reject_sink: Optional[Callable[[Dict[str, Any]], None]] = None

    def reject(self, reason: str, where: str, record: Any) -> None:
        self.rejected[reason] += 1
        examples = self.samples.setdefault(reason, [])
        if len(examples) < SAMPLES_PER_REASON:
            examples.append(where)
        if self.reject_sink is not None:
            self.reject_sink({"source": self.source, "where": where, "reason": reason, "record": record})

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


class PageBuilder:
    """Collect converted tweets and their ``includes`` into v2 pages of at most 100 tweets."""

    def __init__(self, stamp: Callable[[], Dict[str, Any]], page_size: int = PAGE_SIZE) -> None:
        self.stamp = stamp
        self.page_size = page_size
        self._reset()

    def _reset(self) -> None:
        self._tweets: List[Dict[str, Any]] = []
        self._includes: Dict[str, Dict[str, Dict[str, Any]]] = {}

    def add(
        self, tweet: Dict[str, Any], includes: Optional[Dict[str, List[Dict[str, Any]]]] = None
    ) -> Iterator[Dict[str, Any]]:
        """Add one tweet; yields a finished page whenever one fills up."""
        self._tweets.append(tweet)
        for kind, objects in (includes or {}).items():
            bucket = self._includes.setdefault(kind, {})
            for obj in objects:
                key = obj.get("media_key") if kind == "media" else obj.get("id")
                if key is not None and key not in bucket:
                    bucket[key] = obj
        if len(self._tweets) >= self.page_size:
            yield self.finish()

    def finish(self) -> Dict[str, Any]:
        tweets, includes = self._tweets, self._includes
        self._reset()
        ids = [int(t["id"]) for t in tweets if str(t.get("id", "")).isdigit()]
        page: Dict[str, Any] = {"data": tweets}
        if any(includes.values()):
            page["includes"] = {kind: list(objects.values()) for kind, objects in includes.items() if objects}
        meta: Dict[str, Any] = {"result_count": len(tweets)}
        if ids:
            meta.update(newest_id=str(max(ids)), oldest_id=str(min(ids)))
        page["meta"] = meta
        page[PROVENANCE_KEY] = self.stamp()
        return page

    def flush(self) -> Iterator[Dict[str, Any]]:
        if self._tweets:
            yield self.finish()


def open_text(path: Path, encoding: str = "utf-8-sig", newline: Optional[str] = None) -> TextIO:
    """Open a text file, gzip-compressed when it ends in .gz."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding=encoding, newline=newline)
    return open(path, encoding=encoding, newline=newline)


def open_binary(path: Path) -> BinaryIO:
    """Open a file for its bytes, gzip-compressed when it ends in .gz."""
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def reject_unreadable(stats: ImportStats, error: BaseException, *, lines_read: Optional[int]) -> None:
    """The rest of a file cannot be read: one reject that says from where and why.

    The Spark ingest does the same with a damaged raw file (tweets_etl.io.raw): the complete lines
    before the damage are kept, and the damage becomes one row under the same reason,
    ``unreadable_file``. How many rows it hid cannot be known, so it counts as one row read.
    ``lines_read`` None means a file read as one JSON value, which is lost as a whole.
    """
    cause = f"{type(error).__name__}: {error}"
    stats.rows_read += 1
    if lines_read is None:
        stats.reject("unreadable_file", "whole file", f"unreadable ({cause})")
    else:
        detail = f"unreadable after {lines_read} complete line(s), which were read ({cause})"
        stats.reject("unreadable_file", f"from line {lines_read + 1}", detail)


def read_json_lines(path: Path, stats: ImportStats) -> Iterator[Tuple[str, str]]:
    """("line N", text) for every non-blank line of a JSON-lines file, as far as the file can be read.

    JSON is UTF-8 by definition, so a line that is not is one broken line (rejected ``not_utf8``, the
    other lines are fine), not a file in another encoding. Damage that stops reading (a truncated .gz)
    keeps the lines before it and is rejected ``unreadable_file``.
    """
    number = 0
    try:
        with open_binary(path) as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    stats.blank_lines += 1
                    continue
                try:
                    text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError:
                    stats.rows_read += 1
                    stats.reject("not_utf8", f"line {number}", raw[:2000].decode("utf-8", "replace"))
                    continue
                yield f"line {number}", text.rstrip("\r\n")
    except UNREADABLE_ERRORS as error:
        # A line is yielded only once its newline (or the real end of the file) was read, so the
        # lines before the damage were whole; the cut-off one is part of what this reject stands for.
        reject_unreadable(stats, error, lines_read=number)
