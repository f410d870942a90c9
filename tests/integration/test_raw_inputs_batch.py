"""Which files make a batch, and under which id, through the pipeline: remote folders, folder layout,
damaged and empty gzips, and runs that fail before their first stage."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import List

import pytest

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
