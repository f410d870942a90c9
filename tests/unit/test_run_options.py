"""`tweets-etl run`'s options: what runs when an option is left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from tweets_etl.cli import build_parser
from tweets_etl.commands.run import stages_to_run
from tweets_etl.config import load_config
from tweets_etl.errors import ConfigError

CONF = str(Path(__file__).resolve().parents[2] / "conf")


def test_stages_default_to_the_configs_pipeline_stages_and_the_option_wins():
    config = load_config(conf_dir=CONF, environ={"TWEETS_ETL__PIPELINE__STAGES": "enrich,model"})
    parser = build_parser()

    assert stages_to_run(parser.parse_args(["run"]).stages, config) == ["enrich", "model"]
    assert stages_to_run(parser.parse_args(["run", "--stages", "check"]).stages, config) == ["check"]
    assert stages_to_run(None, load_config(conf_dir=CONF, environ={})) == [
        "ingest", "stage", "enrich", "model", "check"
    ]  # fmt: skip


def test_an_empty_stage_list_in_the_config_is_refused_by_name():
    with pytest.raises(ConfigError, match=r"pipeline\.stages is empty"):
        load_config(conf_dir=CONF, environ={"TWEETS_ETL__PIPELINE__STAGES": "[]"})
