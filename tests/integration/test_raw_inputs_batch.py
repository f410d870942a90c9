"""Which files make a batch, and under which id, through the pipeline: remote folders, folder layout,
damaged and empty gzips, and runs that fail before their first stage."""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import List

import pytest

from tweets_etl.errors import InputError, TweetsEtlError
from tweets_etl.pipeline import run_pipeline

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def page(tweet_id: int, tag: str = "") -> bytes:
    """One raw page line holding one tweet."""
    tweet = {
        "id": str(1610000000000000000 + tweet_id),
        "text": f"ChatGPT {tag} {tweet_id}",
        "created_at": "2023-01-01T00:00:00.000Z",
    }
    stamp = {"retrieved_at": "2023-01-02T00:00:00+00:00"}
    return (json.dumps({"data": [tweet], "__twarc": stamp}) + "\n").encode()


def gzip_pages(path: Path, ids: List[int], tag: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(b"".join(page(i, tag) for i in ids)))
    return path


def truncated_gzip(path: Path, complete: List[int], lost: List[int], tag: str = "") -> Path:
    """A gzip of the pages of ``complete`` then ``lost``, cut off right after the pages of ``complete``
    (a sync flush ends a deflate block there), as an interrupted copy leaves it."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = compressor.compress(b"".join(page(i, tag) for i in complete)) + compressor.flush(zlib.Z_SYNC_FLUSH)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + compressor.compress(b"".join(page(i, tag) for i in lost))[:8])
    return path


def records(spark, config, batch_id: str) -> List[tuple]:
    """(tweet_id, source_file, reject_reason) of a batch's raw records, sorted."""
    rows = spark.sql(
        f"SELECT tweet_id, source_file, reject_reason FROM {config.warehouse.database}.raw_records "
        f"WHERE batch_id = '{batch_id}'"
    )
    return sorted((tuple(row) for row in rows.collect()), key=repr)


def tweet(number: int) -> str:
    return str(1610000000000000000 + number)


def batches(spark, config) -> List[tuple]:
    """(batch_id, records) for every batch in raw_records."""
    rows = spark.sql(
        f"SELECT batch_id, COUNT(*) FROM {config.warehouse.database}.raw_records GROUP BY batch_id ORDER BY 1"
    )
    return [tuple(row) for row in rows.collect()]


def test_a_day_re_run_through_another_form_of_its_uri_is_the_same_batch(spark, pipeline_config, tmp_path):
    day = tmp_path / "raw" / "landed_date=2023-01-02"
    gzip_pages(day / "collect-0001.jsonl.gz", [1, 2, 3])
    gzip_pages(day / "collect-0002.jsonl.gz", [4, 5])
    (day / "_manifests").mkdir()
    (day / "_manifests" / "collect-0001.jsonl.gz.manifest.json").write_text("{}")

    # Oozie and make daily name the same folder differently (with or without a trailing slash).
    first = run_pipeline(spark, pipeline_config, inputs=[f"file://{day}"], stages=["ingest"])
    again = run_pipeline(spark, pipeline_config, inputs=[f"file:{day}/"], stages=["ingest"])

    assert again.batch_id == first.batch_id
    assert first.input_files == ["collect-0001.jsonl.gz", "collect-0002.jsonl.gz"]
    assert batches(spark, pipeline_config) == [(first.batch_id, 5)]

    # A file landed into the folder afterwards: a batch of its own, not the first one's id.
    gzip_pages(day / "collect-0003.jsonl.gz", [6])
    grown = run_pipeline(spark, pipeline_config, inputs=[f"file://{day}"], stages=["ingest"])

    assert grown.batch_id != first.batch_id
    assert sorted(batches(spark, pipeline_config)) == sorted([(first.batch_id, 5), (grown.batch_id, 6)])


def test_damaged_gzips_with_one_name_in_two_folders_are_both_recovered(spark, pipeline_config, tmp_path):
    truncated_gzip(tmp_path / "in" / "n1" / "part-0001.jsonl.gz", [1, 2], [3], tag="first")
    truncated_gzip(tmp_path / "in" / "n2" / "part-0001.jsonl.gz", [4], [5], tag="second")

    result = run_pipeline(spark, pipeline_config, inputs=[str(tmp_path / "in")], stages=["ingest"])

    assert result.rejects_by_reason == {"unreadable_file": 2}
    assert records(spark, pipeline_config, result.batch_id) == sorted(
        [
            *[(tweet(i), "part-0001.jsonl.gz", None) for i in (1, 2, 4)],
            (None, "part-0001.jsonl.gz", "unreadable_file"),
            (None, "part-0001.jsonl.gz", "unreadable_file"),
        ],
        key=repr,
    )


def test_a_plain_file_beside_a_damaged_gzip_of_the_same_name_keeps_its_name(spark, pipeline_config, tmp_path):
    truncated_gzip(tmp_path / "in" / "x.jsonl.gz", [1], [2])
    (tmp_path / "in" / "x.jsonl").write_bytes(page(3))

    result = run_pipeline(spark, pipeline_config, inputs=[str(tmp_path / "in")], stages=["ingest"])

    assert records(spark, pipeline_config, result.batch_id) == sorted(
        [
            (tweet(1), "x.jsonl.gz", None),
            (None, "x.jsonl.gz", "unreadable_file"),
            (tweet(3), "x.jsonl", None),
        ],
        key=repr,
    )


def test_a_zero_byte_gzip_among_good_files_is_an_empty_file(spark, pipeline_config, tmp_path):
    gzip_pages(tmp_path / "in" / "collect-0001.jsonl.gz", [1, 2])
    (tmp_path / "in" / "collect-0002.jsonl.gz").write_bytes(b"")

    result = run_pipeline(spark, pipeline_config, inputs=[str(tmp_path / "in")])

    assert (result.status, result.is_reconciled) == ("succeeded", True)
    assert result.input_files == ["collect-0001.jsonl.gz", "collect-0002.jsonl.gz"]
    assert result.rejects_by_reason == {}
    assert records(spark, pipeline_config, result.batch_id) == [
        (tweet(1), "collect-0001.jsonl.gz", None),
        (tweet(2), "collect-0001.jsonl.gz", None),
    ]


def test_a_run_that_fails_before_its_first_stage_still_leaves_its_etl_runs_row(
    spark, pipeline_config, tmp_path
):
    gzip_pages(tmp_path / "in" / "collect-0001.jsonl.gz", [1])
    first = run_pipeline(spark, pipeline_config, inputs=[str(tmp_path / "in")], stages=["ingest"])
    db = pipeline_config.warehouse.database
    # A table another version left behind: the warehouse check refuses it before any stage runs.
    spark.sql(f"ALTER TABLE {db}.dim_languages ADD COLUMNS (left_by_another_version STRING)")

    with pytest.raises(TweetsEtlError, match="dim_languages was created by another version"):
        run_pipeline(spark, pipeline_config, inputs=[str(tmp_path / "in")], stages=["ingest"])
    # Inputs that cannot be found: no files, no batch id, no row.
    with pytest.raises(InputError, match="does not exist"):
        run_pipeline(spark, pipeline_config, inputs=[str(tmp_path / "nothing-here")], stages=["ingest"])

    runs = spark.sql(f"SELECT batch_id, status, message FROM {db}.etl_runs ORDER BY started_at").collect()
    assert [(row.batch_id, row.status) for row in runs] == [
        (first.batch_id, "succeeded"),
        (first.batch_id, "failed"),
    ]
    assert "dim_languages was created by another version" in runs[1].message
