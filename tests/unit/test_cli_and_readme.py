"""The command line explains itself, and the README documents only commands that exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tweets_etl.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]


def registered_commands() -> set:
    parser = build_parser()
    return set(parser._subparsers._group_actions[0].choices)


def test_every_command_has_help(capsys):
    for command in sorted(registered_commands()):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        assert "--var-dir" in capsys.readouterr().out, command


def test_readme_mentions_only_real_commands_and_targets():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = set(re.findall(r"tweets-etl ([a-z][a-z-]+)", readme)) - {"COMMAND"}
    assert commands and commands <= registered_commands(), commands - registered_commands()
    makefiles = [REPO / "Makefile", *sorted((REPO / "mk").glob("*.mk"))]
    targets = set()
    for makefile in makefiles:
        targets |= set(re.findall(r"^([a-z][a-z-]*):", makefile.read_text(), flags=re.M))
    documented = set(re.findall(r"make ([a-z][a-z-]+)", readme))
    assert {"run", "test"} <= documented
    assert documented <= targets, documented - targets


def test_help_is_instant_and_needs_no_spark():
    code = (
        "import sys; from tweets_etl.cli import build_parser; build_parser(); print('pyspark' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_config_error_is_one_sentence(capsys):
    code = main(["sample", "--set", "warehouse.database=drop table;", "--var-dir", "/nonexistent/x"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and "warehouse.database" in err and "Traceback" not in err
