"""`tweets-etl run`'s options: what runs, and on which inputs, when an option is left out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tweets_etl.cli import build_parser
from tweets_etl.commands.run import choose_inputs, stages_to_run
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


def inputs_config(tmp_path: Path, *inputs: str):
    """A config whose var dir is the test's own; a small sample keeps the fallback quick."""
    config = load_config(
        conf_dir=CONF, var_dir=str(tmp_path / "var"), overrides={"pipeline.sample_tweets": 20}, environ={}
    )
    return replace(config, pipeline=replace(config.pipeline, inputs=tuple(inputs)))


def deliver(folder: Path, name: str = "tweets-1.jsonl.gz") -> Path:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"")
    return folder / name


def test_explicit_inputs_come_first(tmp_path):
    config = inputs_config(tmp_path, "hdfs:///configured")
    deliver(config.dirs.landing)

    assert choose_inputs(config, ["given.jsonl"], force_sample=False) == ["given.jsonl"]


def test_configured_inputs_come_before_the_landing_folder(tmp_path):
    config = inputs_config(tmp_path, "hdfs:///a", "/data/b")
    deliver(config.dirs.landing)

    assert choose_inputs(config, [], force_sample=False) == ["hdfs:///a", "/data/b"]


def test_the_landing_folder_is_read_when_something_was_delivered_into_it(tmp_path):
    config = inputs_config(tmp_path)
    landing = config.dirs.landing
    deliver(landing)

    assert choose_inputs(config, [], force_sample=False) == [str(landing)]
    assert not config.dirs.sample.exists()


def test_raw_files_in_subfolders_of_landing_are_not_replaced_by_the_sample(tmp_path):
    # The pipeline reads landing's subfolders too: falling back to the sample here would load made-up
    # tweets while the real ones wait.
    config = inputs_config(tmp_path)
    landing = config.dirs.landing
    deliver(landing, "2024-05-01/tweets-1.jsonl.gz")

    assert choose_inputs(config, [], force_sample=False) == [str(landing)]


@pytest.mark.parametrize(
    "delivered",
    [None, [], [".tweets-1.jsonl.gz.part"], ["_manifests/tweets-1.jsonl.gz.manifest.json"]],
    ids=["no landing", "empty landing", "hidden upload", "under a _ folder"],
)
def test_the_sample_is_used_when_landing_holds_nothing_the_pipeline_reads(tmp_path, delivered):
    config = inputs_config(tmp_path)
    landing = config.dirs.landing
    if delivered is not None:
        landing.mkdir(parents=True)
    for name in delivered or []:
        deliver(landing, name)

    chosen = choose_inputs(config, [], force_sample=False)

    sample = config.dirs.sample
    assert chosen == [str(sample)]
    assert sorted(sample.glob("*.jsonl.gz"))


def test_sample_wins_over_explicit_configured_and_landed_inputs(tmp_path):
    config = inputs_config(tmp_path, "hdfs:///configured")
    deliver(config.dirs.landing)

    assert choose_inputs(config, ["given.jsonl"], force_sample=True) == [str(config.dirs.sample)]


def test_unshipped_collected_files_stop_the_run_instead_of_the_sample(tmp_path):
    # `tweets-etl import` then `make run` loaded 3,000 made-up tweets while the imported ones waited.
    config = inputs_config(tmp_path)
    raw = config.dirs.raw
    deliver(raw, "import-20240501T000000Z-0001.jsonl.gz")

    with pytest.raises(
        ConfigError, match=r"holds raw files from collect or import: ship them first"
    ) as error:
        choose_inputs(config, [], force_sample=False)

    assert f"tweets-etl run --input {raw}" in str(error.value)
    assert not config.dirs.sample.exists()
    assert choose_inputs(config, [], force_sample=True) == [str(config.dirs.sample)]


def test_once_landing_was_loaded_an_empty_landing_means_nothing_new_not_the_sample(tmp_path):
    config = inputs_config(tmp_path)
    deliver(config.dirs.loaded / "b0123456789abcdef", "2024-05-01/tweets-1.jsonl.gz")

    assert choose_inputs(config, [], force_sample=False) == []
    assert not config.dirs.sample.exists()
    assert choose_inputs(config, [], force_sample=True) == [str(config.dirs.sample)]


def test_a_loaded_batch_moves_with_its_manifests_and_leaves_later_arrivals(tmp_path):
    from tweets_etl.landing import move_loaded

    landing, loaded = tmp_path / "landing", tmp_path / "loaded" / "b1"
    batch = [deliver(landing, "a.jsonl.gz"), deliver(landing, "2024-05-01/b.jsonl.gz")]
    deliver(landing, "a.jsonl.gz.manifest.json")
    later = deliver(landing, "c.jsonl.gz")

    move_loaded([str(path) for path in batch], landing, loaded)

    moved = sorted(str(path.relative_to(loaded)) for path in loaded.rglob("*") if path.is_file())
    assert moved == ["2024-05-01/b.jsonl.gz", "a.jsonl.gz", "a.jsonl.gz.manifest.json"]
    assert [path for path in landing.rglob("*") if path.is_file()] == [later]
