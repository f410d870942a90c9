"""A collector killed while turning its spool into a raw file, with or without a `ship` before the next run.

Each test leaves on disk what a kill at one point of the drain leaves (the spool and state files as
they were, the raw file in the stage it had reached), optionally ships with the real shipper to a
local landing folder (which moves the raw files away), runs the collector again, ships again, and
checks that the landing folder holds every page exactly once.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tweets_etl.rawfiles import manifest_path
from tweets_etl.ship.plan import plan_shipment
from tweets_etl.ship.shipper import Shipper
from tweets_etl.ship.transport import LocalTransport

TOKEN_3 = "token-3"


class InjectedKillError(Exception):
    pass


def ship(tmp_path: Path) -> None:
    shipper = Shipper(
        LocalTransport,
        str(tmp_path / "landing"),
        shipped_dir=tmp_path / "shipped",
        create_remote_dir=True,
        progress=False,
    )
    assert shipper.ship(plan_shipment(tmp_path / "raw")).all_arrived


def landed_pages(tmp_path: Path) -> List[Dict[str, Any]]:
    pages = []
    for path in sorted((tmp_path / "landing").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            pages.extend(json.loads(line) for line in handle)
    return pages


def snapshot_at_page(collector_files: Dict[str, Path], copies: Dict[str, bytes], number: int):
    """An on_page hook that copies the spool and state files after page ``number``, then kills the run."""

    def on_page(event) -> None:
        if event.page_number == number:
            for name, path in collector_files.items():
                copies[name] = path.read_bytes()
            raise InjectedKillError(f"killed after page {number}")

    return on_page


@pytest.fixture
def drained_once(x_api, make_collector, tmp_path):
    """Two pages collected, then a full drain; returns the spool and state bytes from before the drain."""
    first, second = x_api.pages()
    x_api.reply(x_api.page(first, "token-2"))
    x_api.reply(x_api.page(second, TOKEN_3))
    store = make_collector().store
    files = {"spool": store.spool_path, "state": store.path}
    before: Dict[str, bytes] = {}
    with pytest.raises(InjectedKillError):
        make_collector(on_page=snapshot_at_page(files, before, 2)).run()
    (raw_file,) = (tmp_path / "raw").glob("*.jsonl.gz")
    assert not store.spool_path.exists()
    return {"files": files, "before": before, "raw_file": raw_file}


def leave_on_disk(kill_point: str, drained: Dict[str, Any]) -> None:
    """Put back what the drain had not yet undone when the process was killed at ``kill_point``."""
    files, before, raw_file = drained["files"], drained["before"], drained["raw_file"]
    files["spool"].write_bytes(before["spool"])
    if kill_point == "after recording the drain":
        return  # the state already names the spool as drained; only its deletion was missed
    files["state"].write_bytes(before["state"])
    if kill_point == "after the manifest":
        return
    manifest_path(raw_file).unlink()
    if kill_point == "before the manifest":
        return
    assert kill_point == "while writing the file"
    data = raw_file.read_bytes()
    raw_file.unlink()
    raw_file.with_name(f".{raw_file.name}.part").write_bytes(data[: len(data) // 2])


KILL_POINTS = [
    "while writing the file",
    "before the manifest",
    "after the manifest",
    "after recording the drain",
]


@pytest.mark.parametrize("shipped_between", [False, True], ids=["no-ship", "shipped-between"])
@pytest.mark.parametrize("kill_point", KILL_POINTS)
def test_a_kill_during_the_drain_writes_no_page_twice(
    x_api, make_collector, tmp_path, drained_once, kill_point, shipped_between
):
    leave_on_disk(kill_point, drained_once)
    if shipped_between:
        ship(tmp_path)
    x_api.reply({"meta": {"result_count": 0}})

    collector = make_collector()
    summary = collector.run()
    ship(tmp_path)

    assert [c.get("next_token") for c in x_api.calls()] == [None, "token-2", TOKEN_3]
    assert summary.stopped == "complete"
    drained_before = kill_point == "after recording the drain"
    assert summary.recovered_pages == (0 if drained_before else 2)
    found_in_raw = kill_point == "after the manifest" and not shipped_between
    assert len(summary.files) == (1 if drained_before or found_in_raw else 2), "one new file, plus a redrain"
    pages = landed_pages(tmp_path)
    ids = [tweet["id"] for page in pages for tweet in page.get("data") or []]
    assert len(pages) == 3 and len(ids) == len(set(ids)) == 200
    raw = tmp_path / "raw"
    assert not collector.store.spool_path.exists() and not list(raw.iterdir()), "nothing left behind"
    assert json.loads(collector.store.path.read_text())["spooled_pages"] == 0


def test_a_drain_killed_after_its_manifest_names_the_file_the_same_again(
    x_api, make_collector, tmp_path, drained_once
):
    """If ship moved the first copy away, the second must be recognised as already there, not a new file."""
    first_copy = drained_once["raw_file"]
    first_bytes = first_copy.read_bytes()
    leave_on_disk("after the manifest", drained_once)
    ship(tmp_path)
    x_api.reply({"meta": {"result_count": 0}})

    summary = make_collector().run()

    again = [path for path in summary.files if path.name == first_copy.name]
    assert again and again[0].read_bytes() == first_bytes
    # Named by when the spool's first page was fetched (the fake clock), not by when it is drained, so
    # the two drains agree however far apart they run.
    assert "-20231114T221320Z-0001.jsonl.gz" in first_copy.name


def test_an_error_while_draining_leaves_no_file_that_passes_for_finished(
    x_api, make_collector, tmp_path, drained_once, monkeypatch
):
    """A disk that fills up mid-file: the cut file must not get a manifest, or its spool would be skipped."""
    leave_on_disk("before the manifest", drained_once)
    shutil.rmtree(tmp_path / "raw")
    from tweets_etl.rawfiles import RawPageWriter

    real_write = RawPageWriter.write_page
    written: List[int] = []

    def fails_on_second_page(self, page):
        written.append(1)
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        real_write(self, page)

    monkeypatch.setattr(RawPageWriter, "write_page", fails_on_second_page)
    with pytest.raises(OSError, match="No space left"):
        make_collector().run()
    raw = tmp_path / "raw"
    assert not list(raw.glob("*.manifest.json")) and not list(raw.glob("*.jsonl.gz"))
    monkeypatch.setattr(RawPageWriter, "write_page", real_write)
    x_api.reply({"meta": {"result_count": 0}})

    make_collector().run()
    ship(tmp_path)

    ids = [tweet["id"] for page in landed_pages(tmp_path) for tweet in page.get("data") or []]
    assert len(ids) == len(set(ids)) == 200
    assert not [path for path in raw.iterdir() if path.name.startswith(".")], "the cut .part is removed"
