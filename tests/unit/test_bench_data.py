"""Benchmark inputs are cached per size and seed, and made again when the generator changed."""

from __future__ import annotations

import gzip
import json
import shutil

import pytest

from tweets_etl.bench import data


def test_a_cached_set_is_reused_and_one_from_an_older_generator_is_made_again(tmp_path):
    logged = []
    first = data.prepare(tmp_path, 400, 3, log=logged.append)
    assert len(logged) == 3 and (first["full"] / ".complete").read_text() == data.DATA_VERSION
    files = sorted(path.name for path in first["full"].iterdir())

    data.prepare(tmp_path, 400, 3, log=logged.append)
    assert len(logged) == 3  # nothing generated again

    (first["full"] / ".complete").write_text("ok")  # what the first version of the generator wrote
    again = data.prepare(tmp_path, 400, 3, log=logged.append)
    assert len(logged) == 4 and sorted(path.name for path in again["full"].iterdir()) == files


def test_an_increment_whose_pages_seen_again_were_cut_short_is_made_again(tmp_path):
    logged = []
    made = data.prepare(tmp_path, 400, 3, log=logged.append)
    increment = made["increment"]
    shutil.rmtree(increment)
    # The set the pages seen again are copied from breaks after its first tweet: the step fails half-way,
    # as an interrupted run does, and the raw file writer publishes what it had written.
    last = sorted(made["full"].glob("*.jsonl.gz"))[-1]
    whole = last.read_bytes()
    first = json.loads(gzip.decompress(whole).split(b"\n", 1)[0])
    first["data"] = first["data"][:1]
    last.write_bytes(gzip.compress(json.dumps(first).encode() + b"\n{cut off\n"))
    with pytest.raises(json.JSONDecodeError):
        data.prepare(tmp_path, 400, 3, log=logged.append)
    assert [_tweets(path) for path in increment.glob("again-*.jsonl.gz")] == [1]
    last.write_bytes(whole)

    data.prepare(tmp_path, 400, 3, log=logged.append)

    assert len(logged) == 5  # the increment made again, not reused
    fresh = data.prepare(tmp_path / "fresh", 400, 3, log=logged.append)["increment"]
    expected = [_tweets(path) for path in fresh.glob("again-*.jsonl.gz")]
    assert [_tweets(path) for path in increment.glob("again-*.jsonl.gz")] == expected != [1]
    assert (increment / ".complete").read_text() == data.INCREMENT_VERSION


def _tweets(raw_file) -> int:
    return sum(
        len(json.loads(line).get("data", [])) for line in gzip.decompress(raw_file.read_bytes()).splitlines()
    )
