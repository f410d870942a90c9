"""Exports people already have (CSV, v1.1, twarc2) -> `tweets-etl import` -> the pipeline, every row accounted for."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.integration.helpers import count_raw
from tweets_etl.cli import main
from tweets_etl.pipeline import run_pipeline

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _import(tmp_path: Path, *args: str) -> Path:
    out = tmp_path / "imported"
    assert main(["import", *args, "--out", str(out), "--var-dir", str(tmp_path / "var")]) == 0
    return out


def test_kaggle_csv_rows_all_become_staged_tweets(spark, pipeline_config, shared_data, tmp_path):
    files = sorted((shared_data / "chatgpt_tweets_csv").glob("*.csv"))
    rows = 0
    for path in files:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows += sum(1 for _ in csv.DictReader(handle))
    out = _import(tmp_path, "--format", "csv", "--preset", "kaggle", *map(str, files))

    accepted, rejects = count_raw(sorted(out.glob("*.jsonl.gz")))
    result = run_pipeline(spark, pipeline_config, inputs=[str(out)])

    assert len(accepted) == rows and rejects == 0
    assert result.is_reconciled and result.counts["staged"] == rows
    db = pipeline_config.warehouse.database
    located = spark.sql(f"SELECT COUNT(*) FROM {db}.dim_locations WHERE location_source = 'place'").first()[0]
    assert located > 0
    unknown_authors = spark.sql(f"SELECT COUNT(*) FROM {db}.fct_tweets WHERE user_key = -1").first()[0]
    assert unknown_authors == rows, "CSV exports carry no author: every tweet maps to the unknown user"
    unjudged = spark.sql(
        f"SELECT COUNT(*) FROM {db}.int_tweets_enriched WHERE sentiment_label IS NULL OR feedback_type IS NULL"
        " OR aspects IS NULL OR is_spam IS NULL"
    ).first()[0]
    assert unjudged == 0, "every real ChatGPT tweet is scored (or unscored) and classified"


def test_v1_tweets_load_with_their_retweets_and_quotes(spark, pipeline_config, shared_data, tmp_path):
    source = shared_data / "x_api_v1_1" / "original_format_examples.json"
    out = _import(tmp_path, "--format", "v1", str(source))
    accepted, _ = count_raw(sorted(out.glob("*.jsonl.gz")))

    result = run_pipeline(spark, pipeline_config, inputs=[str(out)])

    assert result.is_reconciled and result.counts["staged"] == len(set(accepted)) > 0
    types = dict(
        spark.sql(
            f"SELECT tweet_type, COUNT(*) FROM {pipeline_config.warehouse.database}.stg_tweets GROUP BY 1"
        ).collect()
    )
    assert {"retweet", "quote"} <= set(types)
