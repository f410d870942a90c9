"""What gets shipped: complete files with manifests; everything else held back or refused with a reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tweets_etl.rawfiles import RawPageWriter, sha256_file
from tweets_etl.ship.errors import FileShipError
from tweets_etl.ship.plan import check_remote_name, plan_shipment


def write_raw(folder: Path, prefix: str = "tweets") -> Path:
    with RawPageWriter(folder, prefix=prefix, producer="test") as writer:
        writer.write_page({"data": [{"id": "1598374637812736000", "text": "chatgpt"}], "meta": {}})
    return writer.finished[0]


@pytest.mark.parametrize(
    "name",
    [
        "tweets-20221201T000000Z-0001.jsonl.gz",
        "tweets über ChatGPT 🤖.jsonl.gz",
        "a b.c",
        "..hidden-ish",
        "x..",
    ],
)
def test_plain_file_names_are_accepted(name):
    assert check_remote_name(name) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "not a file name"),
        (".", "not a file name"),
        ("..", "not a file name"),
        ("../escape.jsonl.gz", "path separator"),
        ("/etc/passwd", "path separator"),
        ("sub/file.jsonl.gz", "path separator"),
        ("..\\windows.jsonl.gz", "path separator"),
        ("line\nbreak.jsonl.gz", "control characters"),
        ("nul\x00.jsonl.gz", "control characters"),
        ("bad-\udcff-bytes.jsonl.gz", "not valid UTF-8"),
    ],
)
def test_names_that_could_escape_or_mislead_are_refused(name, reason):
    with pytest.raises(FileShipError, match=reason):
        check_remote_name(name)


def test_files_with_manifests_are_planned_with_the_manifest_size_and_checksum(tmp_path):
    first = write_raw(tmp_path, "a")
    second = write_raw(tmp_path, "b")

    plan = plan_shipment(tmp_path)

    assert [item.path for item in plan.items] == [first, second]
    item = plan.items[0]
    assert (item.remote_name, item.size, item.sha256) == (
        first.name,
        first.stat().st_size,
        sha256_file(first),
    )
    assert item.manifest == Path(f"{first}.manifest.json").read_bytes()
    assert item.remote_manifest_name == f"{first.name}.manifest.json"
    assert plan.total_bytes == first.stat().st_size + second.stat().st_size
    assert (plan.rejected, plan.held_back) == ([], [])


def test_writes_in_progress_and_subfolders_are_ignored(tmp_path):
    raw = write_raw(tmp_path)
    (tmp_path / ".tweets-x-0002.jsonl.gz.part").write_bytes(b"half a file")
    (tmp_path / "other.jsonl.gz.part").write_bytes(b"half a file")
    (tmp_path / "shipped").mkdir()
    write_raw(tmp_path / "shipped", "old")
    (tmp_path / "gone.jsonl.gz.manifest.json").write_text("{}")

    plan = plan_shipment(tmp_path)

    assert [item.path for item in plan.items] == [raw]
    assert (plan.rejected, plan.held_back) == ([], [])


def test_a_file_without_manifest_is_held_back_by_default(tmp_path):
    loose = tmp_path / "export.csv"
    loose.write_text("Date,Tweet\n2022-12-01,hello\n")

    plan = plan_shipment(tmp_path)

    assert (plan.items, plan.held_back) == ([], [loose])
    assert not Path(f"{loose}.manifest.json").exists()


def test_include_unmanifested_computes_and_writes_a_manifest_first(tmp_path):
    loose = tmp_path / "export.csv"
    loose.write_text("Date,Tweet\n2022-12-01,hello\n")

    [item] = plan_shipment(tmp_path, include_unmanifested=True).items

    written = json.loads(Path(f"{loose}.manifest.json").read_text())
    assert (written["file"], written["bytes"], written["sha256"]) == (
        loose.name,
        loose.stat().st_size,
        sha256_file(loose),
    )
    assert item.manifest_computed and item.manifest == Path(f"{loose}.manifest.json").read_bytes()
    assert (item.size, item.sha256) == (loose.stat().st_size, sha256_file(loose))


def test_a_dry_run_computes_missing_manifests_in_memory_only(tmp_path):
    loose = tmp_path / "export.csv"
    loose.write_text("a,b\n")

    [item] = plan_shipment(tmp_path, include_unmanifested=True, dry_run=True).items

    assert item.manifest_computed and item.sha256 == sha256_file(loose)
    assert not Path(f"{loose}.manifest.json").exists()


def test_a_manifest_that_disagrees_with_its_file_refuses_that_file_only(tmp_path):
    good = write_raw(tmp_path, "a")
    grown = write_raw(tmp_path, "b")
    with open(grown, "ab") as handle:
        handle.write(b"appended after the manifest")
    broken = tmp_path / "c.jsonl.gz"
    broken.write_bytes(b"x")
    Path(f"{broken}.manifest.json").write_text("{not json")
    alien = tmp_path / "d.jsonl.gz"
    alien.write_bytes(b"x")
    Path(f"{alien}.manifest.json").write_text(json.dumps({"bytes": 1, "sha256": "not-a-digest"}))

    plan = plan_shipment(tmp_path)

    assert [item.path for item in plan.items] == [good]
    reasons = {rejected.path.name: rejected.reason for rejected in plan.rejected}
    assert "its manifest says" in reasons[grown.name]
    assert "not valid JSON" in reasons[broken.name]
    assert "no valid 'sha256'" in reasons[alien.name]


def test_a_local_name_that_is_unsafe_remotely_is_refused_with_the_reason(tmp_path):
    raw = write_raw(tmp_path)
    odd = tmp_path / "a\\b.jsonl.gz"
    odd.write_bytes(b"x")

    plan = plan_shipment(tmp_path, include_unmanifested=True)

    assert [item.path for item in plan.items] == [raw]
    assert [(r.path, "path separator" in r.reason) for r in plan.rejected] == [(odd, True)]


def test_a_missing_source_folder_plans_nothing(tmp_path):
    plan = plan_shipment(tmp_path / "nope")
    assert (plan.items, plan.rejected, plan.held_back) == ([], [], [])
