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


def test_every_command_module_names_its_handler_handle():
    from tweets_etl.cli import command_modules

    parser = build_parser()
    for name, command in parser._subparsers._group_actions[0].choices.items():
        handler = command.get_default("handler")
        assert handler.__name__ == "handle", f"{name}: {handler.__module__}.{handler.__name__}"
    assert all(callable(getattr(module, "handle", None)) for module in command_modules())


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


def test_readme_links_to_files_that_exist():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    local = [link for link in re.findall(r"\]\(([^)#\s]+)", readme) if "://" not in link]
    assert local, "the README links to no file of the repo"
    assert [link for link in local if not (REPO / link).exists()] == []


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


def _option_helps(help_text: str) -> dict:
    """Each option's whole help text on one line, keyed by its first flag (``--env``, ``-v``)."""
    options, current = {}, None
    for line in help_text.splitlines():
        if re.match(r"^  -", line):
            current = line.split()[0].rstrip(",")
            options[current] = line
        elif current and line.startswith("   "):
            options[current] += " " + line.strip()
        else:
            current = None
    return {name: " ".join(text.split()) for name, text in options.items()}


def _help_pages():
    from tweets_etl.ops import package, submit

    for name, command in build_parser()._subparsers._group_actions[0].choices.items():
        yield f"tweets-etl {name}", command.format_help()
    yield "make package", package.build_parser().format_help()
    yield "make submit", submit.build_parser().format_help()


@pytest.mark.parametrize(("page", "help_text"), list(_help_pages()), ids=lambda value: str(value)[:30])
def test_each_option_states_its_default_once_and_never_as_a_python_value(page, help_text):
    """run's ArgumentDefaultsHelpFormatter added '(default: None)' after the hand-written defaults."""
    for text in _option_helps(help_text).values():
        assert text.count("default") <= 1, (page, text)
        assert not re.search(r"default: (None|False|True|0|\[\])\)", text), (page, text)


def test_the_common_defaults_say_where_the_value_comes_from(tmp_path):
    from tweets_etl.config import load_config

    helps = _option_helps(build_parser()._subparsers._group_actions[0].choices["run"].format_help())
    conf = str(REPO / "conf")

    assert helps["--env"].endswith("(default: $TWEETS_ETL_ENV, else local)")
    assert load_config(conf_dir=conf, environ={"TWEETS_ETL_ENV": "cloudera"}).env == "cloudera"
    assert load_config(conf_dir=conf, environ={}).env == "local"
    assert helps["--var-dir"].endswith("(default: $TWEETS_ETL_VAR_DIR, else the config's var_dir: var)")
    assert load_config(conf_dir=conf, environ={"TWEETS_ETL_VAR_DIR": str(tmp_path)}).var_path == tmp_path
    assert load_config(conf_dir=conf, environ={"TWEETS_ETL__VAR_DIR": str(tmp_path)}).var_path == tmp_path


def test_run_without_java_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)  # inside spark-submit Java is a given
    monkeypatch.setenv("TWEETS_ETL__PIPELINE__SAMPLE_TWEETS", "20")  # the sample it falls back to: small

    code = main(["run", "--var-dir", str(tmp_path / "var")])

    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    assert code != 0
    assert errors == [
        "tweets-etl run: error: Java was not found: install a JDK 8, 11 or 17 "
        "(e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
    ], err
    assert err.strip().splitlines()[-1] == errors[0] and "Traceback" not in err
