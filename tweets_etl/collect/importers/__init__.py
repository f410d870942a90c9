"""`tweets-etl import`: exports people already have -> the same raw files the collector writes.

One raw file set per input file, written through :class:`~tweets_etl.rawfiles.RawPageWriter` with
producer ``tweets-etl import``; every page's ``__twarc`` names the file it came from
(``imported_from``), so the Spark ingest treats imports exactly like collected pages. Every input
row is accounted for: written as a tweet, or rejected with a reason (counted in the summary and
kept, with the row, in a rejects file under VAR_DIR/rejects).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from tweets_etl.collect.errors import ImportInputError, ImportOptionError
from tweets_etl.collect.importers import csv as csv_import
from tweets_etl.collect.importers import twarc2, v1
from tweets_etl.collect.importers.common import PRODUCER, ImportStats, PageBuilder, file_time
from tweets_etl.rawfiles import RawPageWriter, manifest_path, provenance, utc_now_iso

FORMATS = ("twarc2", "v1", "csv")
_EXTENSIONS = {
    "twarc2": (".jsonl", ".json", ".jsonl.gz", ".json.gz"),
    "v1": (".jsonl", ".json", ".js", ".jsonl.gz", ".json.gz"),
    "csv": (".csv", ".csv.gz", ".tsv"),
}
# What to do about a reject that means the whole input was given with the wrong option.
_REASON_HINTS = {"v1_tweet": "X API v1.1 tweets, not v2: import them with --format v1"}


@dataclass
class ImportOptions:
    format: str
    preset: Optional[str] = None
    columns: Optional[str] = None
    encoding: str = "utf-8-sig"
    rotate_bytes: int = 64 * 1024 * 1024


@dataclass
class ImportSummary:
    files: List[ImportStats] = field(default_factory=list)
    rejects_file: Optional[Path] = None
    # Said once per input folder: what it holds that was not imported (subfolders, other files).
    notes: List[str] = field(default_factory=list)

    @property
    def tweets_written(self) -> int:
        return sum(stats.tweets_written for stats in self.files)

    @property
    def rows_read(self) -> int:
        return sum(stats.rows_read for stats in self.files)

    @property
    def failed(self) -> List[ImportStats]:
        return [stats for stats in self.files if stats.failed]


def expand_inputs(inputs: Iterable[str], fmt: str, notes: Optional[List[str]] = None) -> List[Path]:
    """Files as given, and the matching files inside folders given; a missing path is an error.

    Folders are not searched below their own level; what a folder holds that is not imported is named
    in ``notes`` (one line per folder), so nothing is left out without the summary saying so.
    """
    found: List[Path] = []
    for name in inputs:
        path = Path(name).expanduser()
        if path.is_dir():
            matches, folders, others = [], [], []
            for entry in sorted(path.iterdir()):
                if entry.name.startswith("."):
                    continue  # hidden entries (.DS_Store, .git) are not exports anyone meant to give
                if entry.is_dir():
                    folders.append(f"{entry.name}/")
                elif entry.is_file() and entry.name.lower().endswith(_EXTENSIONS[fmt]):
                    matches.append(entry)
                else:
                    others.append(entry.name)
            if not matches:
                inside = f"; it has {_skipped(folders, others)} (folders are not searched)" if folders else ""
                raise ImportInputError(f"{path} holds no {fmt} files ({', '.join(_EXTENSIONS[fmt])}){inside}")
            if (folders or others) and notes is not None:
                notes.append(f"{name}: skipped {_skipped(folders, others)}; name them to import them")
            found.extend(matches)
        elif path.is_file():
            found.append(path)
        else:
            raise ImportInputError(f"input {name} does not exist")
    return found


def _skipped(folders: List[str], others: List[str]) -> str:
    """E.g. ``1 subfolder (raw/) and 2 files of another kind (LICENSE, notes.txt)``."""

    def listed(names: List[str]) -> str:
        more = f", ... ({len(names) - 5} more)" if len(names) > 5 else ""
        return ", ".join(names[:5]) + more

    parts = []
    if folders:
        parts.append(f"{len(folders)} subfolder{'s' if len(folders) > 1 else ''} ({listed(folders)})")
    if others:
        parts.append(f"{len(others)} file{'s' if len(others) > 1 else ''} of another kind ({listed(others)})")
    return " and ".join(parts)


def run_import(
    inputs: Iterable[str], options: ImportOptions, *, out_dir: Path, rejects_dir: Path
) -> ImportSummary:
    if options.format not in FORMATS:
        raise ImportOptionError(f"unknown --format {options.format!r}; choose one of: {', '.join(FORMATS)}")
    mapping = csv_import.resolve_mapping(options.preset, options.columns) if options.format == "csv" else None
    if options.format != "csv" and (options.preset or options.columns):
        raise ImportOptionError("--preset and --columns apply only to --format csv")
    summary = ImportSummary()
    paths = expand_inputs(inputs, options.format, summary.notes)
    run_token = uuid.uuid4().hex[:8]
    with _RejectLog(rejects_dir) as rejects:
        for path in paths:
            stats = ImportStats(source=path.name, reject_sink=rejects.write)
            summary.files.append(stats)
            try:
                _import_file(path, options, stats, out_dir=out_dir, mapping=mapping, run_token=run_token)
            except ImportInputError as error:
                stats.failed = str(error)
        summary.rejects_file = rejects.path if rejects.count else None
    return summary


def _import_file(
    path: Path,
    options: ImportOptions,
    stats: ImportStats,
    *,
    out_dir: Path,
    mapping: Optional[Dict[str, str]],
    run_token: str,
) -> None:
    fmt = options.format
    source_id = hashlib.sha256(f"import\n{fmt}\n{path.name}".encode()).hexdigest()[:12]
    retrieved_at = file_time(path)

    def stamp(original: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        extra = {"imported_from": path.name, "source_format": fmt, "imported_at": utc_now_iso()}
        if original:
            # twarc's own stamp is the real provenance (request url, time, version): keep it all.
            merged = dict(original)
            if merged.get("producer"):
                merged["original_producer"] = merged["producer"]
            merged.update(producer=PRODUCER, query_id=merged.get("query_id") or source_id, **extra)
            return merged
        return provenance(
            path.resolve().as_uri(), producer=PRODUCER, retrieved_at=retrieved_at, query_id=source_id, **extra
        )

    builder = PageBuilder(stamp)
    if fmt == "csv":
        pages = csv_import.iter_pages(path, stats, builder, mapping=mapping or {}, encoding=options.encoding)
    elif fmt == "v1":
        pages = v1.iter_pages(path, stats, builder)
    else:
        pages = twarc2.iter_pages(path, stats, builder, stamp=stamp)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", path.name.split(".")[0]).strip("-").lower()[:40] or "input"
    writer = RawPageWriter(
        out_dir,
        # The run token keeps two inputs with the same name (or two quick runs) from sharing a file name.
        prefix=f"import-{fmt}-{slug}-{run_token}",
        producer=PRODUCER,
        rotate_bytes=options.rotate_bytes,
        manifest_extra={"imported_from": path.name, "source_format": fmt, "query_id": source_id},
    )
    try:
        with writer:
            for page in pages:
                writer.write_page(page)
                stats.pages_written += 1
                data = page.get("data")
                stats.tweets_written += len(data) if isinstance(data, list) else 0
    except BaseException:
        # The file failed as a whole ("not imported"), or the import stopped in it (Ctrl-C, a full disk,
        # a bug): take back the part of it already written, so no half of a file is left behind that
        # no summary mentions, and importing the file again later gives the only copy.
        for path_written in writer.finished:
            manifest_path(path_written).unlink(missing_ok=True)
            path_written.unlink(missing_ok=True)
        stats.pages_written = stats.tweets_written = 0
        raise
    stats.files = list(writer.finished)


class _RejectLog:
    """Rejected rows, one JSON line each, so nothing is dropped without a trace."""

    def __init__(self, directory: Path) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.path = Path(directory) / f"import-{stamp}-{uuid.uuid4().hex[:6]}.jsonl"
        self.count = 0
        self._handle = None

    def write(self, entry: Dict[str, Any]) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed in __exit__
        self._handle.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        self.count += 1

    def __enter__(self) -> _RejectLog:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()


def summary_lines(summary: ImportSummary, out_dir: Path) -> List[str]:
    lines = []
    for stats in summary.files:
        if stats.failed:
            lines.append(f"{stats.source}: not imported: {stats.failed}")
            continue
        line = (
            f"{stats.source}: {stats.rows_read} row(s) read, {stats.tweets_written} tweet(s) written in "
            f"{stats.pages_written} page(s), {stats.rejected_total} rejected"
        )
        if stats.synthetic_ids:
            line += f", {stats.synthetic_ids} synthetic id(s)"
        lines.append(line)
        for reason, count in stats.rejected.most_common():
            line = f"  rejected {reason}: {count} (e.g. {', '.join(stats.samples.get(reason, []))})"
            lines.append(f"{line}; {_REASON_HINTS[reason]}" if reason in _REASON_HINTS else line)
        for warning, count in stats.warnings.most_common():
            lines.append(f"  note {warning}: {count}")
    lines.extend(f"note: {note}" for note in summary.notes)
    files = sum(len(stats.files) for stats in summary.files)
    lines.append(
        f"total: {summary.rows_read} row(s) read, {summary.tweets_written} tweet(s) written to {files} raw file(s) "
        f"in {out_dir}"
    )
    if summary.rejects_file:
        lines.append(f"rejected rows are kept in {summary.rejects_file}")
    return lines
