"""The first line of an error: one helper for every message that quotes another error."""

from __future__ import annotations

import pytest

from tweets_etl import pipeline
from tweets_etl.config import load_config
from tweets_etl.errors import describe, first_line


def test_first_line_is_the_first_non_blank_line_stripped_and_cut():
    assert first_line(ValueError("\n  \n  boom  \n  at line 2\n")) == "boom"
    assert first_line(ValueError("x" * 50), limit=10) == "x" * 10
    assert first_line("tool output\nmore") == "tool output"


def test_an_exception_with_an_empty_message_gives_its_class_name_and_empty_text_gives_nothing():
    assert first_line(RuntimeError()) == "RuntimeError"
    assert first_line(KeyError("")) == "''"
    assert first_line(OSError(" \n ")) == "OSError"
    assert first_line("") == ""


def test_describe_names_the_class_once():
    assert describe(ValueError("bad value\ntrace")) == "ValueError: bad value"
    assert describe(RuntimeError()) == "RuntimeError"


class _FailingWarehouse:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def ensure(self) -> None:
        raise RuntimeError()  # no message: the old handler raised IndexError here and hid this error


def test_a_run_failing_with_an_empty_message_records_the_class_and_raises_the_real_error(
    tmp_path, monkeypatch, repo_root
):
    recorded = []
    monkeypatch.setattr(pipeline, "resolve_inputs", lambda config, inputs, spark: [])
    monkeypatch.setattr(pipeline, "batch_id_for", lambda files: "b0")
    monkeypatch.setattr(pipeline, "Warehouse", _FailingWarehouse)
    monkeypatch.setattr(pipeline, "_record_run", lambda spark, warehouse, result: recorded.append(result))
    config = load_config(env="local", var_dir=str(tmp_path), conf_dir=str(repo_root / "conf"), environ={})

    with pytest.raises(RuntimeError):
        pipeline.run_pipeline(None, config, inputs=[])

    assert [(run.status, run.message) for run in recorded] == [("failed", "RuntimeError")]


def test_a_stage_failing_with_an_empty_message_names_the_stage_and_the_class(monkeypatch):
    def boom(context):
        raise KeyError()

    monkeypatch.setitem(pipeline.STAGES, "ingest", boom)
    with pytest.raises(pipeline.StageError, match=r"^stage ingest failed: KeyError$"):
        pipeline._run_stage("ingest", None)


def test_an_unexpected_error_without_a_message_is_one_line_naming_its_class(monkeypatch, capsys):
    from tweets_etl import cli

    def fail(**kwargs):
        raise RuntimeError()

    monkeypatch.setattr(cli, "load_config", fail)
    assert cli.main(["sample"]) == 1
    assert capsys.readouterr().err == (
        "tweets-etl sample: unexpected error: RuntimeError (run again with -v for the full trace)\n"
    )
