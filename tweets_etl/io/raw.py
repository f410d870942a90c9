"""Find raw files, check them before Spark reads them, and read their lines.

Spark fails the whole job on a truncated gzip (or, told to ignore it, silently drops the rest of the
file). Neither is acceptable, so local files are checked first: a gzip whose manifest sha256 matches
is known to be whole (the collector wrote the manifest after closing it); any other gzip is
decompressed once as a stream. A damaged file has its readable lines copied to a recovered file that
Spark reads instead, and the unreadable rest becomes one quarantine row with a reason.

Remote inputs (hdfs://, s3a://, file:/ ...) are listed through Hadoop's FileSystem in Spark's JVM, so
that a remote folder is a batch of its files like a local one, whatever form its URI takes. Their
gzips are read as they are: the shipper and the HDFS landing script verified their checksums before
they arrived there.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import zlib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from tweets_etl.errors import InputError
from tweets_etl.rawfiles import MANIFEST_SUFFIX, read_manifest, sha256_file

log = logging.getLogger(__name__)

RAW_PATTERNS = ("*.jsonl", "*.jsonl.gz", "*.json", "*.json.gz", "*.ndjson", "*.ndjson.gz")
_REMOTE_PREFIXES = (
    "hdfs://",
    "s3a://",
    "s3://",
    "abfs://",
    "abfss://",
    "gs://",
    "viewfs://",
    "ofs://",
    "file:/",
)
# A damaged gzip's readable lines are read from NAME.recovered: not .gz (Spark would decompress it).
RECOVERED_SUFFIX = ".recovered"


@dataclass(frozen=True)
class RawFile:
    """One raw file of a batch: a local path or a full URI, and its size in bytes."""

    path: str
    size: int

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


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


def find_raw_files(inputs: Sequence[str], spark: Optional[SparkSession] = None) -> List[RawFile]:
    """Expand files and folders into raw files, sorted by path; hidden, ``.part`` and manifest files,
    and anything under a hidden or _-prefixed folder, are skipped. Remote inputs are listed through
    Hadoop's FileSystem in ``spark``'s JVM (so they need ``spark``)."""
    found: Dict[str, RawFile] = {}
    for entry in inputs:
        listed = _list_remote(entry, spark) if is_remote(entry) else _list_local(entry)
        found.update((file.path, file) for file in listed)
    if not found:
        raise InputError(f"no raw files (*.jsonl[.gz], *.json[.gz]) found in {', '.join(inputs)}")
    return [found[path] for path in sorted(found)]


def _list_local(entry: str) -> List[RawFile]:
    path = Path(entry).expanduser()
    if path.is_dir():
        candidates: Iterable[Path] = (
            p
            for pattern in RAW_PATTERNS
            for p in path.rglob(pattern)
            if _is_raw_name(p.relative_to(path).parts)
        )
    elif path.is_file():
        candidates = [path] if _is_raw_name((path.name,)) else []
    else:
        raise InputError(f"input {entry} does not exist; pass raw files or folders with --input")
    files = []
    for candidate in candidates:
        if candidate.is_symlink() and not candidate.exists():
            raise InputError(
                f"raw file {candidate} is a symbolic link to {os.readlink(candidate)}, which does not "
                "exist; restore its target or remove the link"
            )
        if candidate.is_file():  # a folder named like a raw file: rglob finds the files inside it too
            files.append(RawFile(str(candidate.resolve()), candidate.stat().st_size))
    return files


def _list_remote(entry: str, spark: Optional[SparkSession]) -> List[RawFile]:
    """The raw files of a remote file or folder, with the full URIs Hadoop qualifies them to: the same
    folder gives the same files whether named hdfs://nameservice1/d, hdfs:///d or hdfs:///d/."""
    if spark is None:
        raise ValueError(f"listing the remote input {entry} needs a SparkSession (Hadoop's FileSystem)")
    from py4j.protocol import Py4JJavaError
    from pyspark.errors.exceptions.captured import CapturedException

    try:
        path = spark._jvm.org.apache.hadoop.fs.Path(entry)
        filesystem = path.getFileSystem(spark._jsc.hadoopConfiguration())
        status = filesystem.getFileStatus(path)
    except Py4JJavaError as error:
        if error.java_exception.getClass().getName() == "java.io.FileNotFoundException":
            raise InputError(
                f"input {entry} does not exist; pass raw files or folders with --input"
            ) from None
        raise InputError(f"cannot read input {entry}: {_java_reason(error)}") from None
    except CapturedException as error:  # what PySpark translates, e.g. an unknown host
        raise InputError(f"cannot read input {entry}: {_java_reason(error)}") from None
    if status.isFile():
        listed = [status] if _is_raw_name((status.getPath().getName(),)) else []
        return [RawFile(file.getPath().toString(), file.getLen()) for file in listed]
    root = status.getPath().toUri().getPath().rstrip("/")
    files = []
    try:
        listing = filesystem.listFiles(status.getPath(), True)
        while listing.hasNext():
            file = listing.next()
            name = file.getPath().getName()
            parts = tuple(file.getPath().toUri().getPath()[len(root) + 1 :].split("/"))
            if _is_raw_name(parts) and any(fnmatchcase(name, pattern) for pattern in RAW_PATTERNS):
                files.append(RawFile(file.getPath().toString(), file.getLen()))
    except (Py4JJavaError, CapturedException) as error:
        raise InputError(f"cannot list input {entry}: {_java_reason(error)}") from None
    return files


def _java_reason(error: Exception) -> str:
    """One line for a Java exception PySpark raised, e.g. ``java.net.UnknownHostException: nn1``."""
    java = getattr(error, "java_exception", None)
    text = java.toString() if java is not None else str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:400] if lines else type(error).__name__


def _is_raw_name(parts: Tuple[str, ...]) -> bool:
    """Hidden or _-prefixed files and folders (in-flight uploads, _manifests/) are not raw input."""
    if any(part.startswith((".", "_")) for part in parts):
        return False
    return not parts[-1].endswith((".part", MANIFEST_SUFFIX))


def batch_fingerprint(files: Sequence[RawFile]) -> str:
    """sha256 of one ``NAME\\0SIZE`` line per file, in (name, size) order: the same files are the same
    batch wherever they sit (another machine, another folder layout, another form of the same URI)."""
    digest = hashlib.sha256()
    for name, size in sorted((file.name, file.size) for file in files):
        digest.update(f"{name}\0{size}\n".encode())
    return digest.hexdigest()


def prepare_inputs(files: Sequence[RawFile], *, recovery_dir: Path) -> RawInputs:
    """Check local gzip files and swap damaged ones for their readable part; fingerprint the batch."""
    paths, unreadable = [], []
    for file in files:
        path = file.path
        if not is_remote(file.path) and file.path.endswith(".gz"):
            damaged = _check_gzip(Path(file.path), recovery_dir)
            if damaged:
                path, problem = damaged
                unreadable.append(UnreadableFile(file.name, problem))
                log.warning("%s is damaged: %s; its readable lines are ingested", file.name, problem)
        paths.append(path)
    return RawInputs(paths, [file.name for file in files], unreadable, batch_fingerprint(files))


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
    recovered = recovered_path(path, recovery_dir)
    recovered.parent.mkdir(parents=True, exist_ok=True)
    lines = _copy_complete_lines(path, recovered)
    return str(recovered), f"gzip stream broken after {lines} complete lines ({cause})"


def recovered_path(path: Path, recovery_dir: Path) -> Path:
    """Where a damaged gzip's readable lines go: ``NAME.recovered`` (read back as NAME) in a folder of
    its own, named by a hash of the original's full path, so that two damaged files with one name (in
    two folders) do not share a copy."""
    folder = hashlib.sha256(str(path).encode()).hexdigest()[:12]
    return recovery_dir / folder / f"{path.name}{RECOVERED_SUFFIX}"


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
    """One row per line: ``value`` and ``source_file`` (the file's name, stable across machines; a
    recovered copy's lines carry the name of the file they were recovered from)."""
    reader = spark.read.option("lineSep", "\n")
    frame = reader.text(raw.paths)
    file_name = F.col("_metadata.file_name")
    recovered = sorted(
        {p.rsplit("/", 1)[-1] for p, n in zip(raw.paths, raw.names) if p.endswith(f"/{n}{RECOVERED_SUFFIX}")}
    )
    source = file_name
    if recovered:
        original = file_name.substr(F.lit(1), F.length(file_name) - len(RECOVERED_SUFFIX))
        source = F.when(file_name.isin(recovered), original).otherwise(file_name)
    return frame.select(_without_trailing_cr(F.col("value")).alias("value"), source.alias("source_file"))


def _without_trailing_cr(line: Column) -> Column:
    """A CRLF file's lines without their CR. Not a regex: a page is one line of up to hundreds of KB,
    and a regex is tried at every character of it (that alone once doubled the cost of ingest)."""
    return F.when(line.endswith("\r"), line.substr(F.lit(1), F.length(line) - 1)).otherwise(line)
