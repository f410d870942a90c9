"""Shared fixtures: one SparkSession for the whole run, and the real third-party data beside the repo."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TWEETS_ETL_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(autouse=True)
def restore_logging():
    """`tweets_etl.cli.main` points the root logger at the test's captured stderr; undo that afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: real X API pages, responses, CSV exports and TweetEval. Skips when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real third-party data not found at {SHARED_DATA} (set TWEETS_ETL_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def shipped_taxonomy():
    """The taxonomy the package ships, conf/taxonomy.yaml, loaded once."""
    from tweets_etl.taxonomy import load_taxonomy

    return load_taxonomy(REPO / "conf" / "taxonomy.yaml")


@pytest.fixture(scope="session")
def spark_var_dir(tmp_path_factory) -> Path:
    """The var dir of the test session's Spark: its Derby metastore and warehouse live here."""
    return tmp_path_factory.mktemp("spark-var")


@pytest.fixture(scope="session")
def spark(spark_var_dir):
    """One local[2] SparkSession with Hive support for every test that needs Spark."""
    from tweets_etl.config import load_config
    from tweets_etl.spark import build_spark

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    config = load_config(
        env="local",
        var_dir=str(spark_var_dir),
        conf_dir=str(REPO / "conf"),
        overrides={"spark.master": "local[2]", "spark.shuffle_partitions": 2},
        environ={},
    )
    session = build_spark(config, app_name="tweets-etl-tests")
    yield session
    session.stop()
