"""Fixtures for pipeline runs against the session's real Hive metastore, one database per test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tweets_etl.config import Config, load_config

REPO = Path(__file__).resolve().parents[2]


def make_config(var_dir: Path, database: str, **overrides) -> Config:
    settings = {"warehouse.database": database, "spark.master": "local[2]", "spark.shuffle_partitions": 2}
    settings.update(overrides)
    return load_config(
        env="local", var_dir=str(var_dir), conf_dir=str(REPO / "conf"), overrides=settings, environ={}
    )


@pytest.fixture
def pipeline_config(spark, spark_var_dir, request) -> Config:
    """A config whose warehouse database is this test's own (dropped afterwards)."""
    database = "it_" + re.sub(r"\W+", "_", request.node.name).lower()[:60]
    yield make_config(spark_var_dir, database)
    spark.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
