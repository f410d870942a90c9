"""The shipper's rules through the local-folder transport: the same code path SFTP takes, minus the network."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path
from typing import ClassVar, List

import pytest

from tweets_etl.rawfiles import RawPageWriter, sha256_file
from tweets_etl.ship.errors import ConnectError, ConnectionLostError
from tweets_etl.ship.plan import plan_shipment
from tweets_etl.ship.shipper import ALREADY_THERE, FAILED, NOT_SENT, SENT, Shipper
from tweets_etl.ship.transport import LocalTransport


def write_blob(folder: Path, name: str, size: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(os.urandom(size))
    manifest = {"file": name, "bytes": size, "sha256": sha256_file(path)}
    Path(f"{path}.manifest.json").write_text(json.dumps(manifest))
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def folders(tmp_path):
    return tmp_path / "raw", tmp_path / "landing", tmp_path / "shipped"


def shipper(landing: Path, shipped: Path, **options) -> Shipper:
    options.setdefault("progress", False)
    options.setdefault("create_remote_dir", True)
    return Shipper(LocalTransport, str(landing), shipped_dir=shipped, **options)


def test_real_twarc2_pages_arrive_byte_for_byte_with_manifest_last(shared_data, folders):
    raw, landing, shipped = folders
    pages = [
        json.loads(line) for line in (shared_data / "x_api_v2_pages" / "2sets.jsonl").read_text().splitlines()
    ]
    with RawPageWriter(raw, prefix="tweets", producer="twarc2 import") as writer:
        for page in pages:
            writer.write_page(page)
    [path] = writer.finished
    original = digest(path)
    manifest = Path(f"{path}.manifest.json").read_bytes()

    report = shipper(landing, shipped).ship(plan_shipment(raw))

    assert report.all_arrived and [r.status for r in report.results] == [SENT]
    assert digest(landing / path.name) == original
    assert (landing / f"{path.name}.manifest.json").read_bytes() == manifest
    with gzip.open(landing / path.name, "rt", encoding="utf-8") as handle:
        assert [json.loads(line)["data"] for line in handle] == [page["data"] for page in pages]
    assert sorted(p.name for p in landing.iterdir()) == [path.name, f"{path.name}.manifest.json"]
    assert sorted(p.name for p in shipped.iterdir()) == [path.name, f"{path.name}.manifest.json"]
    assert not list(raw.iterdir())


def test_a_second_run_skips_what_is_already_there(folders):
    raw, landing, shipped = folders
    blob = write_blob(raw, "a.jsonl.gz", 5000)
    data, manifest = blob.read_bytes(), Path(f"{blob}.manifest.json").read_bytes()
    assert shipper(landing, shipped).ship(plan_shipment(raw)).all_arrived
    (landing / "a.jsonl.gz.manifest.json").unlink()
    blob.write_bytes(data)
    Path(f"{blob}.manifest.json").write_bytes(manifest)

    report = shipper(landing, shipped).ship(plan_shipment(raw))

    assert [(r.status, r.bytes_sent) for r in report.results] == [(ALREADY_THERE, 0)]
    assert (landing / "a.jsonl.gz.manifest.json").read_bytes() == manifest
    assert not blob.exists()


def test_an_interrupted_upload_resumes_from_the_part_file(folders):
    raw, landing, shipped = folders
    blob = write_blob(raw, "big.jsonl.gz", 300_000)
    landing.mkdir()
    (landing / ".big.jsonl.gz.part").write_bytes(blob.read_bytes()[:120_000])
    seen: List[int] = []

    report = shipper(landing, shipped, observers=[lambda item, position: seen.append(position)]).ship(
        plan_shipment(raw)
    )

    [result] = report.results
    assert (result.status, result.resumed_from, result.bytes_sent) == (SENT, 120_000, 180_000)
    assert seen[0] == 120_000 and seen[-1] == 300_000
    assert digest(landing / "big.jsonl.gz") == digest(shipped / "big.jsonl.gz")
    assert not (landing / ".big.jsonl.gz.part").exists()


def test_a_resumed_upload_that_does_not_verify_restarts_from_zero(folders):
    raw, landing, shipped = folders
    blob = write_blob(raw, "big.jsonl.gz", 200_000)
    landing.mkdir()
    (landing / ".big.jsonl.gz.part").write_bytes(b"\0" * 50_000)

    report = shipper(landing, shipped).ship(plan_shipment(raw))

    [result] = report.results
    assert (result.status, result.resumed_from, result.bytes_sent) == (SENT, 0, 150_000 + 200_000)
    assert digest(landing / "big.jsonl.gz") == digest(shipped / blob.name)


def test_a_part_longer_than_the_file_is_discarded(folders):
    raw, landing, shipped = folders
    write_blob(raw, "a.jsonl.gz", 1000)
    landing.mkdir()
    (landing / ".a.jsonl.gz.part").write_bytes(b"x" * 5000)

    [result] = shipper(landing, shipped).ship(plan_shipment(raw)).results

    assert (result.status, result.resumed_from) == (SENT, 0)
    assert (landing / "a.jsonl.gz").stat().st_size == 1000


def test_a_local_file_changed_after_its_manifest_is_not_shipped_and_stays(folders):
    raw, landing, shipped = folders
    blob = write_blob(raw, "a.jsonl.gz", 4000)
    other = write_blob(raw, "b.jsonl.gz", 4000)
    plan = plan_shipment(raw)
    blob.write_bytes(os.urandom(4000))

    report = shipper(landing, shipped).ship(plan)

    assert [r.status for r in report.results] == [FAILED, SENT]
    assert "no longer matches its manifest" in report.results[0].message
    assert not report.all_arrived
    assert sorted(p.name for p in landing.iterdir()) == ["b.jsonl.gz", "b.jsonl.gz.manifest.json"]
    assert blob.exists() and not other.exists()


def test_a_different_file_under_the_same_name_is_not_overwritten(folders):
    raw, landing, shipped = folders
    blob = write_blob(raw, "a.jsonl.gz", 1000)
    landing.mkdir()
    (landing / "a.jsonl.gz").write_bytes(b"theirs")

    [result] = shipper(landing, shipped).ship(plan_shipment(raw)).results

    assert result.status == FAILED and "not overwritten" in result.message
    assert (landing / "a.jsonl.gz").read_bytes() == b"theirs"
    assert blob.exists()


def test_rejected_and_held_back_files_show_in_the_summary_and_rejections_fail_the_run(folders):
    raw, landing, shipped = folders
    write_blob(raw, "a.jsonl.gz", 100)
    (raw / "loose.csv").write_text("x")
    (raw / "a\\b.gz").write_text("x")
    Path(f"{raw / 'a'}\\b.gz.manifest.json").write_text("{}")

    report = shipper(landing, shipped).ship(plan_shipment(raw))

    summary = report.summary()
    assert not report.all_arrived
    assert "1 of 2 files arrived" in summary
    assert "held back, no manifest" in summary and "loose.csv" in summary
    assert "path separator" in summary


def test_a_missing_target_folder_is_an_error_unless_creation_was_asked_for(folders):
    raw, landing, shipped = folders
    write_blob(raw, "a.jsonl.gz", 100)

    report = shipper(landing, shipped, create_remote_dir=False).ship(plan_shipment(raw))

    assert isinstance(report.fatal, ConnectError) and "--create-remote-dir" in str(report.fatal)
    assert [r.status for r in report.results] == [NOT_SENT]
    assert not landing.exists()


class DropsOnce(LocalTransport):
    """A folder whose "connection" drops after the given bytes of the next uploads, like a killed session."""

    drops: ClassVar[List[int]] = []

    def open_write(self, path, offset):
        handle = super().open_write(path, offset)
        if self.drops:
            return _Dropping(handle, self.drops.pop())
        return handle


class _Dropping:
    def __init__(self, handle, after: int) -> None:
        self.handle, self.left = handle, after

    def write(self, data: bytes) -> int:
        if self.left <= 0:
            raise ConnectionLostError("connection lost (test)")
        self.left -= len(data)
        return self.handle.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.handle.close()


def test_drops_are_retried_with_exponential_backoff_and_resume(folders):
    raw, landing, shipped = folders
    blob = write_blob(raw, "a.jsonl.gz", 100_000)
    original = digest(blob)
    DropsOnce.drops = [30_000, 20_000]
    waits: List[float] = []

    report = Shipper(
        DropsOnce,
        str(landing),
        shipped_dir=shipped,
        create_remote_dir=True,
        retries=3,
        backoff_seconds=0.5,
        chunk_size=10_000,
        progress=False,
        sleep=waits.append,
    ).ship(plan_shipment(raw))

    [result] = report.results
    assert (result.status, result.attempts, result.resumed_from) == (SENT, 3, 50_000)
    assert waits == [0.5, 1.0]
    assert digest(landing / "a.jsonl.gz") == original


def test_a_file_gives_up_after_its_retries_and_the_next_file_still_goes(folders):
    raw, landing, shipped = folders
    first = write_blob(raw, "a.jsonl.gz", 50_000)
    write_blob(raw, "b.jsonl.gz", 50_000)
    DropsOnce.drops = [10_000, 10_000]

    report = Shipper(
        DropsOnce,
        str(landing),
        shipped_dir=shipped,
        create_remote_dir=True,
        retries=1,
        chunk_size=10_000,
        progress=False,
        sleep=lambda seconds: None,
    ).ship(plan_shipment(raw))

    assert [(r.status, r.attempts) for r in report.results] == [(FAILED, 2), (SENT, 1)]
    assert "run again to resume" in report.results[0].message
    assert (landing / ".a.jsonl.gz.part").stat().st_size == 20_000
    assert first.exists()


def test_progress_bar_counts_bytes_on_stderr(folders, capsys):
    raw, landing, shipped = folders
    write_blob(raw, "a.jsonl.gz", 3 * 1024 * 1024)

    assert shipper(landing, shipped, progress=True).ship(plan_shipment(raw)).all_arrived

    err = capsys.readouterr().err
    assert "ship:" in err and "/3.00M" in err and "B/s" in err
    # Off by default when stderr is not a terminal (as under pytest, cron and Oozie).
    assert Shipper(LocalTransport, str(landing)).progress is False


# Writing to /dev/full fails with ENOSPC: a real full-disk error, provoked without root or a small mount.
needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="/dev/full is absent")


@needs_dev_full
def test_a_full_target_disk_fails_that_file_with_the_target_named_and_the_next_file_goes(folders):
    raw, landing, shipped = folders
    first = write_blob(raw, "a.jsonl.gz", 300_000)
    second = write_blob(raw, "b.jsonl.gz", 2000)
    landing.mkdir()
    (landing / ".a.jsonl.gz.part").symlink_to("/dev/full")

    report = shipper(landing, shipped).ship(plan_shipment(raw))

    failed, sent = report.results
    assert (failed.status, sent.status) == (FAILED, SENT), report.summary()
    assert (
        failed.message == f"{landing / '.a.jsonl.gz.part'}: no space left on device (the target disk is full)"
    )
    assert "cannot read" not in report.summary()
    assert first.exists() and not second.exists()
    assert digest(landing / "b.jsonl.gz") == digest(shipped / "b.jsonl.gz")


@needs_dev_full
def test_a_manifest_that_cannot_be_written_fails_its_file_only_and_a_rerun_completes_it(folders):
    raw, landing, shipped = folders
    first = write_blob(raw, "a.jsonl.gz", 1000)
    write_blob(raw, "b.jsonl.gz", 1000)
    landing.mkdir()
    manifest_part = landing / ".a.jsonl.gz.manifest.json.part"
    manifest_part.symlink_to("/dev/full")

    report = shipper(landing, shipped).ship(plan_shipment(raw))

    assert [r.status for r in report.results] == [FAILED, SENT], report.summary()
    assert "no space left on device" in report.results[0].message
    assert (landing / "a.jsonl.gz").is_file() and not (landing / "a.jsonl.gz.manifest.json").exists()
    assert first.exists(), "a file whose manifest did not arrive must stay to be shipped again"

    manifest_part.unlink()
    [again] = shipper(landing, shipped).ship(plan_shipment(raw)).results
    assert again.status == ALREADY_THERE
    assert (landing / "a.jsonl.gz.manifest.json").read_bytes() == (
        shipped / "a.jsonl.gz.manifest.json"
    ).read_bytes()


def test_a_target_name_taken_by_a_folder_fails_that_file_only(folders):
    raw, landing, shipped = folders
    write_blob(raw, "a.jsonl.gz", 1000)
    write_blob(raw, "b.jsonl.gz", 1000)
    (landing / ".a.jsonl.gz.manifest.json.part" / "inside").mkdir(parents=True)

    report = shipper(landing, shipped).ship(plan_shipment(raw))

    assert [r.status for r in report.results] == [FAILED, SENT], report.summary()
    assert report.results[0].message.startswith(
        f"{landing / '.a.jsonl.gz.manifest.json.part'}: is a directory"
    )


def test_a_target_folder_under_a_file_is_a_connect_error_not_a_crash(folders):
    raw, landing, shipped = folders
    write_blob(raw, "a.jsonl.gz", 100)
    landing.parent.mkdir(exist_ok=True)
    landing.write_text("a file where a folder should be")

    report = shipper(landing / "sub", shipped).ship(plan_shipment(raw))

    assert isinstance(report.fatal, ConnectError)
    assert str(report.fatal) == f"cannot create target folder {landing / 'sub'}: not a directory"
    assert [r.status for r in report.results] == [NOT_SENT]
