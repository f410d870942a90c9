"""The benchmark's floor: what it measures, that it leaves the session as it found it, and that it
runs in a JVM of its own."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlparse

import pytest

from tweets_etl.bench import data
from tweets_etl.bench.floor import FloorError, floor_tweets, measure, measure_in_own_jvm
from tweets_etl.spark import plain_encoded_columns_conf


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory):
    return data.prepare(tmp_path_factory.mktemp("bench-data"), 400, 3, log=lambda _: None)["full"]


def test_the_floor_writes_every_tweet_and_restores_the_sessions_encodings(spark, raw_dir, tmp_path):
    measured = measure(spark, raw_dir, tmp_path / "floor", repeat=2)

    assert measured["warmup_s"] > 0
    assert len(measured["floor_s"]) == len(measured["floor_spark_defaults_s"]) == 2
    tweets = spark.read.parquet(str(tmp_path / "floor"))
    # Every tweet of every page, the 0.1% broken lines aside (the generator's repeats included).
    assert tweets.count() >= 400 and {"id", "text", "created_at"} <= set(tweets.columns)
    assert all(spark.conf.get(key) == value for key, value in plain_encoded_columns_conf().items())


def test_the_floor_parses_the_whole_page_as_the_pipeline_does(spark, raw_dir, capsys):
    # Spark prunes a from_json schema to the fields used when the call has no options. The floor
    # keeps only the tweets, so a pruned floor would be cheaper than the pipeline's parse of the
    # same pages: this shows if its options ever stop preventing that.
    floor_tweets(spark, raw_dir).explain(mode="formatted")

    plan = capsys.readouterr().out
    assert "from_json(StructField(data," in plan and ", StructField(includes," in plan


def test_the_floor_runs_in_a_process_and_jvm_of_its_own(raw_dir, tmp_path):
    measured = measure_in_own_jvm(
        raw_dir, tmp_path / "floor", repeat=1, master="local[1]", var_dir=str(tmp_path / "var")
    )

    assert set(measured) == {"warmup_s", "floor_s", "floor_spark_defaults_s"}
    assert len(measured["floor_s"]) == 1 and measured["floor_s"][0] > 0
    assert (tmp_path / "floor").is_dir()


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_a_floor_that_cannot_run_ends_in_one_line_not_a_traceback(tmp_path, capfd, folder):
    if folder == "empty":
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.txt").write_text("not a raw file")
    with pytest.raises(FloorError, match="own process failed"):
        measure_in_own_jvm(
            tmp_path / folder,
            tmp_path / "floor",
            repeat=1,
            master="local[1]",
            var_dir=str(tmp_path / "var"),
        )

    error = capfd.readouterr().err
    expected = "is not a folder" if folder == "missing" else "no raw files"
    assert expected in error and "Traceback" not in error


def test_the_floor_reads_the_raw_files_the_pipeline_reads_and_no_manifest(spark, raw_dir):
    read = {PurePosixPath(urlparse(uri).path).name for uri in floor_tweets(spark, raw_dir).inputFiles()}

    assert any(path.name.endswith(".manifest.json") for path in raw_dir.iterdir())
    raw_files = {path.name for path in raw_dir.iterdir() if not path.name.startswith(".")}
    assert read == {name for name in raw_files if not name.endswith(".manifest.json")}
