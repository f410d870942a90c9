"""The Makefile's variables: where make puts runtime data, read the way tweets-etl reads it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Dict

REPO = Path(__file__).resolve().parents[2]
SHOW = 'show-var-dir: ; @echo "VAR_DIR=$(VAR_DIR) exported=$$TWEETS_ETL_VAR_DIR"'


def make(*args: str, environ: Dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("VAR_DIR", "TWEETS_ETL_VAR_DIR", "MAKEFLAGS")}
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", *args],
        cwd=REPO,
        env={**env, **environ},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_var_dir_comes_from_the_environment_like_the_cli_reads_it(tmp_path):
    elsewhere = tmp_path / "var"

    assert make("--eval", SHOW, "show-var-dir", environ={"TWEETS_ETL_VAR_DIR": str(elsewhere)}) == (
        f"VAR_DIR={elsewhere} exported={elsewhere}\n"
    )
    assert f"rm -rf {elsewhere}\n" in make("-n", "clean-var", environ={"TWEETS_ETL_VAR_DIR": str(elsewhere)})
    assert f"--var-dir {elsewhere}" in make("-n", "bench", environ={"TWEETS_ETL_VAR_DIR": str(elsewhere)})


def test_var_dir_on_the_command_line_wins_and_var_is_the_default(tmp_path):
    given = make("--eval", SHOW, "show-var-dir", f"VAR_DIR={tmp_path}", environ={"TWEETS_ETL_VAR_DIR": "/x"})
    default = make("--eval", SHOW, "show-var-dir", environ={})

    assert given == f"VAR_DIR={tmp_path} exported={tmp_path}\n"
    assert default == f"VAR_DIR=var exported={REPO / 'var'}\n"


def test_help_documents_every_variable_a_user_can_set_and_writes_no_colour_codes_into_a_pipe():
    makefiles = [REPO / "Makefile", *sorted((REPO / "mk").glob("*.mk"))]
    settable = [
        line.split(" ?=")[0] for path in makefiles for line in path.read_text().splitlines() if " ?=" in line
    ]

    shown = make("help", environ={})

    assert "\033[" not in shown
    variables = shown.split("Variables (make NAME=value TARGET):\n")[1].splitlines()
    described = {line.split()[0]: line.split(None, 1)[1] for line in variables if line.strip()}
    assert set(settable) <= set(described), "a `?=` variable has no `## NAME  what` line"
    assert all(text and not text.startswith("?=") for text in described.values())
    for target in ("run", "test", "submit", "daily", "bench"):
        assert any(line.split()[:1] == [target] for line in shown.splitlines())
