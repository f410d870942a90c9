"""Find raw files, check them before Spark reads them, and read their lines.

Spark fails the whole job on a truncated gzip (or, told to ignore it, silently drops the rest of the
file). Neither is acceptable, so local files are checked first: a gzip whose manifest sha256 matches
is known to be whole (the collector wrote the manifest after closing it); any other gzip is
decompressed once as a stream. A damaged file has its readable lines copied to a recovered file that
Spark reads instead, and the unreadable rest becomes one quarantine row with a reason.

Remote inputs (hdfs://, s3a://) are read as they are: the shipper and the HDFS landing script
verified their checksums before they arrived there.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from tweets_etl.errors import InputError
from tweets_etl.rawfiles import MANIFEST_SUFFIX, read_manifest, sha256_file

log = logging.getLogger(__name__)

RAW_PATTERNS = ("*.jsonl", "*.jsonl.gz", "*.json", "*.json.gz", "*.ndjson", "*.ndjson.gz")
_REMOTE_PREFIXES = ("hdfs://", "s3a://", "s3://", "abfs://", "abfss://", "gs://", "viewfs://", "ofs://")


@dataclass(frozen=True)
class UnreadableFile:
    """A raw file that could be read only up to some point."""

    name: str
    detail: str


@dataclass
class RawInputs:
    """What a batch reads: the paths for Spark, and what could not be read."""

    paths: List[str]
    names: List[str]
    unreadable: List[UnreadableFile] = field(default_factory=list)
    batch_fingerprint: str = ""


def is_remote(path: str) -> bool:
    return path.startswith(_REMOTE_PREFIXES)


def find_raw_files(inputs: Sequence[str]) -> List[str]:
    """Expand files and folders into raw files, sorted; hidden, ``.part`` and manifest files are skipped."""
    found: List[str] = []
    for entry in inputs:
        if is_remote(entry):
            found.append(entry)
            continue
        path = Path(entry).expanduser()
        if path.is_dir():
            candidates: Iterable[Path] = (p for pattern in RAW_PATTERNS for p in path.rglob(pattern))
        elif path.is_file():
            candidates = [path]
        else:
            raise InputError(f"input {entry} does not exist; pass raw files or folders with --input")
        found.extend(
            str(p.resolve())
            for p in candidates
            if _is_raw_name(p.relative_to(path).parts if path.is_dir() else (p.name,))
        )
    unique = sorted(set(found))
    if not unique:
        raise InputError(f"no raw files (*.jsonl[.gz], *.json[.gz]) found in {', '.join(inputs)}")
    return unique


def _is_raw_name(parts: Tuple[str, ...]) -> bool:
    """Hidden or _-prefixed files and folders (in-flight uploads, _manifests/) are not raw input."""
    if any(part.startswith((".", "_")) for part in parts):
        return False
    return not parts[-1].endswith((".part", MANIFEST_SUFFIX))


def prepare_inputs(files: Sequence[str], *, recovery_dir: Path) -> RawInputs:
    """Check local gzip files and swap damaged ones for their readable part; fingerprint the batch."""
    paths, unreadable = [], []
    fingerprint = hashlib.sha256()
    for file in files:
        name = file.rsplit("/", 1)[-1]
        path = file
        if not is_remote(file):
            size = Path(file).stat().st_size
            fingerprint.update(f"{name}\0{size}\n".encode())
            if file.endswith(".gz"):
                damaged = _check_gzip(Path(file), recovery_dir)
                if damaged:
                    path, problem = damaged
                    unreadable.append(UnreadableFile(name, problem))
                    log.warning("%s is damaged: %s; its readable lines are ingested", name, problem)
        else:
            fingerprint.update(f"{file}\n".encode())
        paths.append(path)
    names = [p.rsplit("/", 1)[-1] for p in files]
    return RawInputs(paths, names, unreadable, fingerprint.hexdigest())


def _check_gzip(path: Path, recovery_dir: Path) -> Optional[Tuple[str, str]]:
    """None when the gzip is whole; else (path of a recovered copy, what was wrong)."""
    manifest = read_manifest(path)
    if manifest and manifest.get("sha256") and manifest["sha256"] == sha256_file(path):
        return None
    try:
        with gzip.open(path, "rb") as stream:
            while stream.read(1 << 20):
                pass
        return None
    except (EOFError, OSError, zlib.error) as error:
        cause = f"{type(error).__name__}: {error}"
    recovery_dir.mkdir(parents=True, exist_ok=True)
    # Recovered files keep the original name (minus .gz): provenance and tie-breakers do not change.
    recovered = recovery_dir / path.name[: -len(".gz")]
    lines = _copy_complete_lines(path, recovered)
    return str(recovered), f"gzip stream broken after {lines} complete lines ({cause})"


def _copy_complete_lines(path: Path, out: Path) -> int:
    """Copy every newline-terminated line that can be decompressed; return how many."""
    copied = 0
    with open(out, "wb") as sink:
        try:
            with gzip.open(path, "rb") as stream:
                for line in stream:
                    if not line.endswith(b"\n"):
                        break
                    sink.write(line)
                    copied += 1
        except (EOFError, OSError, zlib.error):
            pass  # the damage itself: everything before it has been copied
    return copied


def read_raw_lines(spark: SparkSession, raw: RawInputs) -> DataFrame:
    """One row per line: ``value`` and ``source_file`` (the file's name, stable across machines)."""
    reader = spark.read.option("lineSep", "\n")
    frame = reader.text(raw.paths)
    file_name = F.col("_metadata.file_name")
    recovered = {Path(p).name: n for p, n in zip(raw.paths, raw.names) if Path(p).name != n}
    source = file_name
    for recovered_name, original in recovered.items():
        source = F.when(file_name == recovered_name, F.lit(original)).otherwise(source)
    return frame.select(_without_trailing_cr(F.col("value")).alias("value"), source.alias("source_file"))


def _without_trailing_cr(line: Column) -> Column:
    """A CRLF file's lines without their CR. Not a regex: a page is one line of up to hundreds of KB,
    and a regex is tried at every character of it (that alone once doubled the cost of ingest)."""
    return F.when(line.endswith("\r"), line.substr(F.lit(1), F.length(line) - 1)).otherwise(line)
