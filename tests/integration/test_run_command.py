"""`tweets-etl run` as a person runs it: a separate process, its own local Spark and var dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.spark
@pytest.mark.slow
def test_run_without_stages_runs_the_configured_pipeline_stages(tmp_path):
    """pipeline.stages used to be validated and then ignored: --stages defaulted to all five stages, so
    this ran the whole pipeline on the sample. Run alone, stage finds no ingested batch and refuses."""
    env = {**os.environ, "TWEETS_ETL__PIPELINE__STAGES": "stage", "PYSPARK_PYTHON": sys.executable}
    command = [
        sys.executable, "-m", "tweets_etl.cli", "run", "--conf-dir", str(REPO / "conf"),
        "--var-dir", str(tmp_path / "var"), "--sample",
        "--set", "spark.master=local[1]", "--set", "spark.shuffle_partitions=1",
        "--set", "pipeline.sample_tweets=20",
    ]  # fmt: skip

    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    assert result.returncode != 0, result.stdout
    assert "stage stage:" not in result.stderr  # refused before the stage ran
    assert "was never ingested" in result.stderr, result.stderr[-2000:]
