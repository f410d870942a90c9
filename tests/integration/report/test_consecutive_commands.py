"""Two commands in a row on one var dir (`tweets-etl run && tweets-etl report`): the second must not find
the embedded metastore busy because the first one's JVM is still exiting."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
CLI = [sys.executable, "-m", "tweets_etl.cli"]


def environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWEETS_ETL", "HIVE_SERVER2"))}
    env["PYTHONPATH"] = str(REPO)
    return env


def test_a_command_right_after_another_waits_for_its_metastore(tmp_path):
    # As a shell runs `run && report`: it waits for the first command's Python process only, not for
    # the JVM that process started, which still holds the metastore while it exits. (subprocess.run
    # with pipes would wait for the JVM too: it reads the pipes the JVM inherited until they close.)
    var_dir, out, err = tmp_path / "var", tmp_path / "out", tmp_path / "err"
    command = [*CLI, "sql", "--var-dir", str(var_dir), "--set", "spark.master=local[1]", "-q"]
    first = shlex.join([*command, "SELECT 1 AS first_command"])
    second = shlex.join([*command, "SELECT 2 AS second_command"])
    with out.open("w") as stdout, err.open("w") as stderr:
        done = subprocess.run(
            ["sh", "-c", f"{first} && {second}"], env=environment(), stdout=stdout, stderr=stderr, timeout=300
        )

    errors = err.read_text()
    assert done.returncode == 0, errors[-2000:]
    printed = out.read_text()
    assert "first_command" in printed and "second_command" in printed
    assert "open in another Spark process" not in errors  # neither refused nor announced: waited quietly


def test_a_partition_filter_the_metastore_cannot_push_down_prints_no_metastore_trace(tmp_path):
    # Derby's direct SQL fails on date partitions depending on its plan (always, with it switched off);
    # its JDO fallback filters string keys only. Spark then prunes the partitions itself, but Hive's
    # RetryingHMSHandler had already logged the refusal as an ERROR with 130 lines of stack trace.
    var_dir, out, err = tmp_path / "var", tmp_path / "out", tmp_path / "err"
    command = [*CLI, "sql", "--var-dir", str(var_dir), "--set", "spark.master=local[1]", "-q"]
    create = (
        "CREATE TABLE default.days USING parquet PARTITIONED BY (d) AS SELECT 1 AS x, DATE'2022-12-05' AS d"
    )
    no_direct_sql = ["--set", "spark.conf.spark.hadoop.hive.metastore.try.direct.sql=false"]
    query = "SELECT COUNT(*) AS found FROM default.days WHERE d IN (DATE'2022-12-05', DATE'2022-12-06')"
    script = f"{shlex.join([*command, create])} && {shlex.join([*command, *no_direct_sql, query])}"
    with out.open("w") as stdout, err.open("w") as stderr:
        done = subprocess.run(
            ["sh", "-c", script], env=environment(), stdout=stdout, stderr=stderr, timeout=300
        )

    errors = err.read_text()
    assert done.returncode == 0, errors[-2000:]
    assert "|    1|" in out.read_text()
    assert "RetryingHMSHandler" not in errors and "\tat " not in errors, errors[:2000]
