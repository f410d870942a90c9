"""A small warehouse for the report tests: the real pipeline on a seeded sample, in the session's Spark."""

from __future__ import annotations

from pathlib import Path

import pytest

from tweets_etl.config import Config, load_config

REPO = Path(__file__).resolve().parents[3]
DATABASE = "it_report"


def report_config(var_dir: Path, database: str = DATABASE) -> Config:
    overrides = {"warehouse.database": database, "spark.master": "local[2]", "spark.shuffle_partitions": 2}
    return load_config(
        env="local", var_dir=str(var_dir), conf_dir=str(REPO / "conf"), overrides=overrides, environ={}
    )


@pytest.fixture(scope="session")
def report_warehouse(spark, spark_var_dir, tmp_path_factory) -> Config:
    """Database it_report loaded by run_pipeline from 400 sample tweets (about 10% flagged as spam)."""
    from tweets_etl.pipeline import run_pipeline
    from tweets_etl.sample.generator import SampleSpec, write_sample

    config = report_config(spark_var_dir)
    sample = tmp_path_factory.mktemp("report-sample")
    write_sample(sample, SampleSpec(tweets=400, files=2, seed=20240501))
    run_pipeline(spark, config, inputs=[str(sample)])
    yield config
    spark.sql(f"DROP DATABASE IF EXISTS {DATABASE} CASCADE")
