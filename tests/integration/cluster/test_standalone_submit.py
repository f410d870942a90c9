"""`make package` + `make submit` on a real Spark standalone cluster on 127.0.0.1.

Python apps cannot use cluster deploy mode on standalone, so these submit in client mode: the driver
runs here with the packaged venv's Python, the executors on the worker with the archive's. The worker's
environment has none of the developer's Python settings, so anything the archive lacks fails the job.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.cluster.standalone import REPO, VENV_BIN, Cluster, clean_env, make, spark_home

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


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """A few hundred seeded sample tweets as raw files (gzip JSON lines + manifests)."""
    out = tmp_path_factory.mktemp("sample")
    command = [str(VENV_BIN / "tweets-etl"), "sample", "--out", str(out), "--tweets", "150"]
    command += ["--var-dir", str(tmp_path_factory.mktemp("sample-var"))]
    subprocess.run(command, check=True, cwd=REPO, env=clean_env(), capture_output=True, timeout=120)
    return out


def read_tables(var_dir: Path) -> dict:
    """Row counts and content fingerprints of every table, read after the job with a local session."""
    result = subprocess.run(
        [sys.executable, str(READ_TABLES), "--var-dir", str(var_dir)],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def loaded(cluster, dist, sample, tmp_path_factory):
    """The whole pipeline submitted once on the sample: its var dir, output and the tables it wrote."""
    var_dir = tmp_path_factory.mktemp("pipeline-var")
    result = submit(cluster, dist, var_dir, "JOB=pipeline", f"JOB_ARGS=--input {sample}")
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    return var_dir, result, read_tables(var_dir)


def test_pipeline_submitted_to_the_cluster_loads_the_sample(loaded):
    _, _, state = loaded

    tables = state["tables"]
    assert tables["fct_tweets"]["rows"] > 0
    assert tables["fct_tweets"]["rows"] == tables["stg_tweets"]["rows"]
    assert tables["dim_users"]["rows"] > 0
    assert [run["status"] for run in state["etl_runs"]] == ["succeeded"]


def test_a_resubmitted_batch_changes_no_table(cluster, dist, sample, loaded):
    var_dir, _, before = loaded

    again = submit(cluster, dist, var_dir, "JOB=pipeline", f"JOB_ARGS=--input {sample}")
    assert again.returncode == 0, (again.stdout + again.stderr)[-6000:]
    after = read_tables(var_dir)

    assert after["tables"] == before["tables"]
    assert [run["status"] for run in after["etl_runs"]] == ["succeeded", "succeeded"]
    assert len({run["batch_id"] for run in after["etl_runs"]}) == 1


def test_the_enrich_job_fails_naming_its_stage_when_the_archive_lacks_vader(
    cluster, dist, sample, loaded, tmp_path
):
    var_dir, _, state = loaded
    # Enrich runs the sentiment UDF on the executors: without its table this test would prove nothing.
    enriched = state["tables"].get("int_tweets_enriched")
    assert enriched and enriched["rows"] > 0, state["tables"]
    import venv_pack

    # The same dist with an archive that lacks vaderSentiment; the driver keeps the full venv.
    broken = tmp_path / "dist"
    broken.mkdir()
    for name in ("tweets_etl.zip", "package-info.json"):
        os.link(dist / name, broken / name)
    shutil.copytree(dist / "jobs", broken / "jobs")
    (broken / "executor-env").symlink_to(dist / "executor-env")
    venv_pack.pack(
        prefix=str(dist / "executor-env"),
        output=str(broken / "executor-env.tar.gz"),
        filters=[("exclude", "lib/python*/site-packages/vaderSentiment*")],
        compress_level=1,
        verbose=False,
    )

    result = submit(cluster, broken, var_dir, "JOB=enrich", f"JOB_ARGS=--input {sample}")

    assert result.returncode != 0
    error = [line for line in result.stderr.splitlines() if line.startswith("submit: error:")]
    assert error and error[-1].startswith("submit: error: job enrich failed on spark://"), error
    assert "stage enrich" in error[-1], error
    # The executor's own log says why: its Python could not import vaderSentiment.
    newest_app = max(cluster.work_dir.glob("app-*"), key=lambda path: path.stat().st_mtime)
    executor_logs = "".join(log.read_text(errors="replace") for log in newest_app.glob("*/stderr"))
    assert re.search(r"(Error|Exception)\b.*vaderSentiment", executor_logs), executor_logs[-3000:]


def test_the_views_job_creates_the_bi_views_through_spark_submit(cluster, dist, loaded):
    # Last in the module: the views join the tables the resubmit test compares.
    var_dir, _, before = loaded

    result = submit(cluster, dist, var_dir, "JOB=views")

    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
    tables = read_tables(var_dir)["tables"]
    assert tables["v_tweets"]["rows"] == before["tables"]["fct_tweets"]["rows"] > 0
    assert {"v_hashtags", "v_aspects", "v_daily_sentiment", "v_top_feedback"} <= set(tables)
