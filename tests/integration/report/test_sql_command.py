"""`tweets-etl sql` on a statement Spark refuses or cannot run: one sentence and exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

REPO = Path(__file__).resolve().parents[3]
CLI = [sys.executable, "-m", "tweets_etl.cli"]


def sql(var_dir: Path, query: str, *options: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWEETS_ETL", "HIVE_SERVER2"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [*CLI, "sql", query, *options, "--var-dir", str(var_dir), "--set", "spark.master=local[1]"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "SELECT * FROM no_such_table",
            "tweets-etl sql: error: the query failed: [TABLE_OR_VIEW_NOT_FOUND] The table or view "
            "`no_such_table` cannot be found.",
        ),
        (
            "SELEC 1",
            "tweets-etl sql: error: the query failed: [PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'.",
        ),
        # Fails in a task, after Spark accepted it: the exception the task threw, not the job's.
        (
            "SELECT raise_error('no such day')",
            "tweets-etl sql: error: the query failed: java.lang.RuntimeException: no such day",
        ),
    ],
)
def test_a_failing_statement_is_one_sentence_and_exit_code_2(tmp_path, query, message):
    done = sql(tmp_path, query)
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1].startswith(message)
    assert "unexpected error" not in done.stderr and "Traceback" not in done.stderr
    if "raise_error" not in query:  # a failed task also gets Spark's own ERROR log lines
        assert done.stderr.count("\n") == 1


def test_a_wide_cell_is_printed_whole_one_column_per_line_when_asked(tmp_path):
    # A quarantined raw_record is a whole API page: cut at 60 characters it shows nothing useful.
    done = sql(tmp_path, "SELECT repeat('x', 200) AS raw_record, 7 AS n", "--truncate", "0", "--vertical")

    assert done.returncode == 0, done.stderr[-2000:]
    assert f"raw_record | {'x' * 200}" in done.stdout
    assert "-RECORD 0-" in done.stdout and "n          | 7" in done.stdout
