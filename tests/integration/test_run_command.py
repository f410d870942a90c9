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


@pytest.mark.spark
@pytest.mark.slow
def test_a_batch_loaded_from_landing_moves_aside_so_the_next_run_loads_only_what_is_new(tmp_path):
    # Loaded files left in landing made every later run a full reload, one more copy of each record
    # in raw_records per run; and once they are gone, the made-up sample must not take their place.
    from tweets_etl.sample.generator import SampleSpec, write_sample

    var = tmp_path / "var"
    write_sample(var / "landing" / "2024-05-01", SampleSpec(tweets=40, files=2, seed=3))
    delivered = sorted(path.name for path in (var / "landing" / "2024-05-01").iterdir())  # with manifests
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    env = {key: value for key, value in env.items() if not key.startswith("TWEETS_ETL")}
    command = [
        sys.executable, "-m", "tweets_etl.cli", "run", "--conf-dir", str(REPO / "conf"), "--var-dir", str(var),
        "--set", "spark.master=local[1]", "--set", "spark.shuffle_partitions=1",
    ]  # fmt: skip

    first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)

    assert first.returncode == 0, first.stderr[-3000:]
    batch_id = first.stdout.split()[1]
    loaded = var / "loaded" / batch_id / "2024-05-01"
    assert f"loaded files moved to {var / 'loaded' / batch_id}" in first.stdout
    assert sorted(path.name for path in loaded.iterdir()) == delivered
    assert not any(path.is_file() for path in (var / "landing").rglob("*"))
    assert not (var / "sample").exists()

    again = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.startswith(f"nothing new in {var / 'landing'}")
    assert not (var / "sample").exists()
