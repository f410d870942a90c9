"""scripts/land_to_hdfs.sh for real, without a cluster: HDFS_CMD runs Hadoop's own FsShell (the code behind
`hdfs dfs`) from the pyspark install against file:// paths."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from tweets_etl.rawfiles import RawPageWriter

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "land_to_hdfs.sh"
# FsShell needs only Hadoop's client jars and logging facades; a narrow classpath and a JVM that skips
# full JIT make each call about 0.6 s instead of the 2.5 s spark-class takes (it starts two JVMs).
FSSHELL_JARS = (
    "hadoop-client-api-*.jar",
    "hadoop-client-runtime-*.jar",
    "slf4j-api-*.jar",
    "commons-logging-*.jar",
)


@pytest.fixture(scope="session")
def hdfs_cmd(tmp_path_factory) -> str:
    if shutil.which("java") is None:
        pytest.skip("java is absent: Hadoop's FsShell needs a JVM")
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyspark is not installed: its jars provide Hadoop's FsShell")
    jars = Path(next(iter(spec.submodule_search_locations))) / "jars"
    # Hadoop's client wants a core-site.xml on its classpath; an empty one means the defaults (file://).
    conf = tmp_path_factory.mktemp("hadoop-conf")
    (conf / "core-site.xml").write_text('<?xml version="1.0"?>\n<configuration/>\n')
    classpath = [str(conf)]
    for pattern in FSSHELL_JARS:
        found = sorted(jars.glob(pattern))
        if not found:
            pytest.skip(f"{jars} has no {pattern}; cannot run FsShell")
        classpath.append(str(found[-1]))
    return f"java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp {':'.join(classpath)} org.apache.hadoop.fs.FsShell"


def land(*args: str, hdfs: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "HDFS_CMD": hdfs, **(env or {})}
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=environment, timeout=120
    )


def write_raw(folder: Path, prefix: str) -> Path:
    with RawPageWriter(folder, prefix=prefix, producer="test") as writer:
        writer.write_page({"data": [{"id": "1598374637812736000", "text": os.urandom(64).hex()}], "meta": {}})
    return writer.finished[0]


def files_in(folder: Path) -> List[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.endswith(".crc"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_header_documents_arguments_environment_and_exit_codes():
    header = SCRIPT.read_text().split("set -uo pipefail")[0]
    for text in (
        "usage:",
        "LANDING_DIR",
        "HDFS_RAW_DIR",
        "HDFS_CMD",
        "exit codes:",
        "--keep",
        "--dry-run",
        "--any-day",
    ):
        assert text in header
    assert os.access(SCRIPT, os.X_OK)


@pytest.mark.slow
def test_lands_complete_intact_files_only_never_overwrites_and_a_rerun_skips_them(tmp_path, hdfs_cmd):
    # One realistic landing folder holds every case, so FsShell's JVMs start as few times as possible.
    landing, raw_zone = tmp_path / "landing", tmp_path / "hdfs" / "raw"
    plain = write_raw(landing, "a-tweets")
    unicode = write_raw(landing, "b-tweets über ChatGPT 🤖")
    damaged = write_raw(landing, "c-damaged")
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    conflict = write_raw(landing, "d-conflict")
    raw_zone.mkdir(parents=True)
    (raw_zone / conflict.name).write_bytes(b"someone else's file")
    (landing / ".e-next.jsonl.gz.part").write_bytes(b"half")
    (landing / "f-half.jsonl.gz.part").write_bytes(b"half")
    (landing / "g-export.csv").write_text("no manifest yet")
    (landing / "h-gone.jsonl.gz.manifest.json").write_text("{}")
    expected = {plain.name: digest(plain), unicode.name: digest(unicode)}
    manifests = sorted(f"{name}.manifest.json" for name in expected)

    # Every FsShell call is recorded on its way through, to check the order of operations.
    calls = tmp_path / "calls.log"
    shim = tmp_path / "record.sh"
    shim.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {calls}\nexec "$@"\n')
    recorded = f"sh {shim} {hdfs_cmd}"

    # A POSIX locale on purpose: the script must switch the JVM to UTF-8 for the unicode name.
    first = land("--keep", str(landing), f"file://{raw_zone}", hdfs=recorded, env={"LC_ALL": "C"})

    assert first.returncode == 1
    assert "2 landed, 0 already there, 2 failed" in first.stdout
    assert f"FAILED {damaged.name}: the local file does not match its manifest" in first.stderr
    assert f"FAILED {conflict.name}" in first.stderr and "not overwritten" in first.stderr
    assert files_in(raw_zone) == sorted([*expected, conflict.name])
    assert files_in(raw_zone / "_manifests") == manifests
    assert {name: digest(raw_zone / name) for name in expected} == expected
    assert (raw_zone / "_manifests" / manifests[0]).read_bytes() == (landing / manifests[0]).read_bytes()
    assert (raw_zone / conflict.name).read_bytes() == b"someone else's file"
    assert not (raw_zone / ".landing-tmp").exists()
    assert plain.exists() and unicode.exists()
    operations = [line.split(" org.apache.hadoop.fs.FsShell ")[1] for line in calls.read_text().splitlines()]
    assert [op.split()[0] for op in operations] == [
        "-mkdir",
        "-ls",
        "-put",
        "-ls",
        "-mv",
        "-ls",
        "-mv",
        "-ls",
        "-rm",
    ]
    assert operations[2].endswith("/.landing-tmp/")
    raw_moves, manifest_moves = operations[4], operations[6]
    assert plain.name in raw_moves and unicode.name in raw_moves
    assert raw_moves.count(".manifest.json") == 0 and manifest_moves.count(".manifest.json") == 2
    assert manifest_moves.endswith("/_manifests/")
    calls.unlink()
    # As if the first run had stopped between placing a file and its manifest.
    (raw_zone / "_manifests" / f"{unicode.name}.manifest.json").unlink()

    again = land(str(landing), f"file://{raw_zone}", hdfs=recorded)

    assert again.returncode == 1
    assert f"already landed {plain.name}" in again.stdout and f"landed {unicode.name}" in again.stdout
    assert "1 landed, 1 already there, 2 failed" in again.stdout
    operations = [line.split(" org.apache.hadoop.fs.FsShell ")[1] for line in calls.read_text().splitlines()]
    assert [op.split()[0] for op in operations] == [
        "-mkdir",
        "-ls",
        "-put",
        "-ls",
        "-ls",
        "-mv",
        "-ls",
        "-rm",
    ]
    assert operations[2].count(unicode.name) == 1 and f"{unicode.name}.manifest.json" in operations[2]
    assert files_in(raw_zone) == sorted([*expected, conflict.name])
    assert files_in(raw_zone / "_manifests") == manifests
    assert files_in(landing / "landed") == sorted([*expected, *manifests])
    assert files_in(landing) == sorted(
        [
            ".e-next.jsonl.gz.part",
            ".land_to_hdfs.lock",
            damaged.name,
            f"{damaged.name}.manifest.json",
            conflict.name,
            f"{conflict.name}.manifest.json",
            "f-half.jsonl.gz.part",
            "g-export.csv",
            "h-gone.jsonl.gz.manifest.json",
        ]
    )


def utc_today() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d")


def test_a_past_days_folder_gets_nothing_and_hdfs_is_not_touched(tmp_path):
    landing = tmp_path / "landing"
    raw = write_raw(landing, "tweets")

    # HDFS_CMD=false: any hdfs call would be exit 3.
    result = land(str(landing), "hdfs://nameservice1/data/raw/landed_date=2024-05-01", hdfs="false")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "land_to_hdfs: nothing landed: hdfs://nameservice1/data/raw/landed_date=2024-05-01 is the batch of "
        f"2024-05-01, not of today ({utc_today()} UTC)"
    )
    assert raw.exists() and files_in(landing) == sorted([raw.name, f"{raw.name}.manifest.json"])


@pytest.mark.slow
def test_re_running_a_past_day_leaves_its_batch_as_it_was_and_new_files_go_to_today(tmp_path, hdfs_cmd):
    landing, raw_zone = tmp_path / "landing", tmp_path / "hdfs" / "raw"
    past, today = raw_zone / "landed_date=2024-05-01", raw_zone / f"landed_date={utc_today()}"
    # The past day's batch as its own run left it: the raw file, its manifest in _manifests/.
    first = write_raw(tmp_path / "shipped", "a-first")
    (past / "_manifests").mkdir(parents=True)
    shutil.copy2(first, past / first.name)
    shutil.copy2(f"{first}.manifest.json", past / "_manifests")
    late = write_raw(landing, "b-arrived-later")

    rerun = land(str(landing), f"file://{past}", hdfs=hdfs_cmd)

    assert rerun.returncode == 0, rerun.stderr
    assert "nothing landed" in rerun.stdout
    assert files_in(past) == [first.name]  # the re-run reads exactly the batch it read before
    assert late.exists()

    daily = land(str(landing), f"file://{today}", hdfs=hdfs_cmd)

    assert daily.returncode == 0, daily.stderr
    assert files_in(today) == [late.name] and files_in(past) == [first.name]
    # Changing a past batch on purpose takes --any-day.
    extra = write_raw(landing, "c-deliberate")

    deliberate = land("--any-day", str(landing), f"file://{past}", hdfs=hdfs_cmd)

    assert deliberate.returncode == 0, deliberate.stderr
    assert files_in(past) == sorted([first.name, extra.name])


def test_unreachable_hdfs_is_exit_3_and_nothing_moves(tmp_path):
    landing = tmp_path / "landing"
    raw = write_raw(landing, "tweets")

    result = land(str(landing), "/data/raw", hdfs="false")

    assert result.returncode == 3
    assert "cannot create /data/raw/.landing-tmp" in result.stderr and "HDFS_CMD" in result.stderr
    assert raw.exists()


def test_dry_run_lists_without_running_hdfs(tmp_path):
    landing = tmp_path / "landing"
    raw = write_raw(landing, "tweets")

    result = land("--dry-run", str(landing), "/data/raw", hdfs="false")

    assert result.returncode == 0
    assert f"would land {raw.name}" in result.stdout
    assert raw.exists() and not (landing / ".land_to_hdfs.lock").exists()


def test_usage_errors_are_exit_2(tmp_path):
    assert land(hdfs="false").returncode == 2
    missing = land(str(tmp_path / "nope"), "/data/raw", hdfs="false")
    assert missing.returncode == 2 and "is not a folder" in missing.stderr
    assert land("--frobnicate", str(tmp_path), "/data/raw", hdfs="false").returncode == 2


@pytest.mark.skipif(shutil.which("flock") is None, reason="flock(1) is absent")
def test_a_second_concurrent_run_is_exit_4(tmp_path):
    landing = tmp_path / "landing"
    write_raw(landing, "tweets")
    lock = landing / ".land_to_hdfs.lock"
    lock.touch()
    holder = subprocess.Popen(["flock", str(lock), "sleep", "30"])
    try:
        deadline = time.monotonic() + 5
        while subprocess.run(["flock", "-n", str(lock), "true"]).returncode == 0:
            assert time.monotonic() < deadline, "the lock holder never took the lock"
            time.sleep(0.02)
        result = land(str(landing), "/data/raw", hdfs="false")
    finally:
        holder.terminate()
        holder.wait()

    assert result.returncode == 4
    assert "another run holds" in result.stderr


def test_a_folder_in_place_of_the_lock_file_is_exit_5_not_a_busy_lock(tmp_path):
    landing = tmp_path / "landing"
    raw = write_raw(landing, "tweets")
    lock = landing / ".land_to_hdfs.lock"
    lock.mkdir()

    result = land(str(landing), "/data/raw", hdfs="false")

    assert result.returncode == 5
    assert f"cannot write lock file {lock}; LANDING_DIR must be writable" in result.stderr
    assert "another run" not in result.stderr
    assert raw.exists()


def test_a_landing_folder_this_user_cannot_write_is_exit_5_not_a_busy_lock(tmp_path):
    prefix: List[str] = []
    base = tmp_path
    if os.geteuid() == 0:
        # Root ignores permissions: run the script as nobody, in a folder nobody can reach.
        if shutil.which("setpriv") is None:
            pytest.skip("root ignores file permissions, and setpriv(1) is absent to drop them")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        base = Path(tempfile.mkdtemp(prefix="land-test-"))
        base.chmod(0o755)
    try:
        landing = base / "landing"
        raw = write_raw(landing, "tweets")
        landing.chmod(0o555)  # e.g. owned by the SFTP user, with no write for the lander
        result = subprocess.run(
            [*prefix, "bash", str(SCRIPT), str(landing), "/data/raw"],
            capture_output=True,
            text=True,
            env={**os.environ, "HDFS_CMD": "false"},
            timeout=60,
        )
        landing.chmod(0o755)
        untouched = raw.exists()
    finally:
        if base != tmp_path:
            shutil.rmtree(base)

    assert result.returncode == 5, result.stderr
    assert "cannot write lock file" in result.stderr and "another run" not in result.stderr
    assert untouched


def test_a_manifest_without_size_and_checksum_is_refused(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "odd.jsonl.gz").write_bytes(b"x")
    (landing / "odd.jsonl.gz.manifest.json").write_text(json.dumps({"file": "odd.jsonl.gz"}))

    result = land(str(landing), "/data/raw", hdfs="false")

    assert result.returncode == 1
    assert "FAILED odd.jsonl.gz: its manifest has no valid bytes and sha256" in result.stderr
