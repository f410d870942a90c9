"""Benchmark inputs are cached per size and seed, and made again when the generator changed."""

from __future__ import annotations

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
