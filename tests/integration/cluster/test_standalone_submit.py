"""`make package` + `make submit` on a real Spark standalone cluster on 127.0.0.1.

Python apps cannot use cluster deploy mode on standalone, so these submit in client mode: the driver
runs here with the packaged venv's Python, the executors on the worker with the archive's. The worker's
environment has none of the developer's Python settings, so anything the archive lacks fails the job.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.cluster.standalone import Cluster, clean_env, make, spark_home

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

PROBE = Path(__file__).with_name("probe_job.py")
READ_TABLES = Path(__file__).with_name("read_tables.py")


def submit(cluster: Cluster, dist: Path, var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = clean_env(TWEETS_ETL__SPARK__MASTER=cluster.master_url)
    return make("submit", "ENV=standalone", f"DIST={dist}", f"VAR_DIR={var_dir}", *args, env=env)


def test_executors_run_the_archive_python_and_packages(cluster, dist, tmp_path):
    out = tmp_path / "probe.json"
    result = submit(cluster, dist, tmp_path / "var", f"SCRIPT={PROBE}", f"JOB_ARGS=--out {out}")

    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    report = json.loads(out.read_text())
    work_dir = str(cluster.work_dir.resolve())
    for executor in report["executors"]:
        prefix = executor["prefix"]
        # The archive, unpacked by the worker as `environment` in the executor's working directory.
        assert prefix.startswith(work_dir) and prefix.endswith("/environment"), executor
        for package in ("vaderSentiment", "pandas", "pyarrow", "numpy", "yaml"):
            assert executor[package] and executor[package].startswith(prefix), (package, executor)
        # pyspark is the worker's own, as on YARN: SPARK_HOME/python/lib/pyspark.zip, not the archive's.
        assert executor["pyspark"].startswith(f"{spark_home()}/python/lib/pyspark.zip/"), executor
        assert ".zip" in executor["tweets_etl"], executor  # --py-files dist/tweets_etl.zip
        assert executor["tweepy"] is None and executor["paramiko"] is None, executor
    assert all(prefix.startswith(work_dir) for prefix in report["pandas_udf_prefixes"])
    assert report["driver"]["prefix"] == str(dist / "executor-env")


def test_a_dependency_missing_from_the_archive_fails_the_job(cluster, dist, tmp_path):
    # tweepy is in the developer's venv but deliberately not in the archive: executors must not find it.
    out = tmp_path / "probe.json"
    result = submit(
        cluster, dist, tmp_path / "var", f"SCRIPT={PROBE}", f"JOB_ARGS=--out {out} --require tweepy"
    )

    assert result.returncode != 0
    assert not out.exists()
    summary = result.stderr.strip().splitlines()[-2:]
    assert any(
        line.startswith("submit: error: job probe_job failed on spark://127.0.0.1") for line in summary
    ), summary
    assert "No module named 'tweepy'" in result.stderr
