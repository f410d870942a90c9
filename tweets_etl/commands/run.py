"""`tweets-etl run`: the Spark pipeline (ingest, stage, enrich, model, check) for one batch of raw files."""

from __future__ import annotations

import logging
import sys
from typing import Optional

from tweets_etl.config import PIPELINE_STAGES, Config
from tweets_etl.errors import ConfigError
from tweets_etl.landing import holds_files, move_loaded

ORDER = 10
log = logging.getLogger("tweets_etl.run")


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "run",
        parents=parents,
        help="run the Spark pipeline on raw files (the bundled sample when there are none)",
        description=(
            "Load one batch of raw files into the Hive star schema. Inputs default to "
            "pipeline.inputs, then VAR_DIR/landing; when those hold no raw files, the bundled sample "
            "is generated and used, so a fresh clone runs end to end."
        ),
    )
    parser.add_argument(
        "--input",
        nargs="+",
        default=[],
        metavar="PATH",
        help="raw files or folders (default: pipeline.inputs, then VAR_DIR/landing, else the bundled sample)",
    )
    parser.add_argument(
        "--stages",
        metavar="STAGE,...",
        help=f"comma-separated stages to run, in pipeline order, from {','.join(PIPELINE_STAGES)} "
        "(default: pipeline.stages in the config: all five in conf/base.yaml)",
    )
    parser.add_argument("--sample", action="store_true", help="use the bundled sample even if inputs exist")
    parser.set_defaults(handler=handle)


def stages_to_run(option: Optional[str], config: Config) -> list:
    """The stages --stages names, else the config's pipeline.stages (validated when it was loaded)."""
    if option is None:
        return list(config.pipeline.stages)
    return parse_stages(option)


def parse_stages(text: str) -> list:
    stages = [stage.strip() for stage in text.split(",") if stage.strip()]
    unknown = [stage for stage in stages if stage not in PIPELINE_STAGES]
    if unknown or not stages:
        raise ConfigError(f"--stages {text!r}: choose from {','.join(PIPELINE_STAGES)}")
    return stages


def choose_inputs(config: Config, explicit: list, force_sample: bool) -> list:
    """Explicit inputs; else configured ones; else raw files in landing; else, unless collected or
    imported files wait unshipped in VAR_DIR/raw, or landing's files were all loaded already (then
    nothing: an empty list), the sample."""
    from tweets_etl.commands.sample import ensure_sample

    if explicit and not force_sample:
        return explicit
    landing = config.dirs.landing
    if not force_sample and (config.pipeline.inputs or holds_files(landing)):
        return list(config.pipeline.inputs) or [str(landing)]
    raw = config.dirs.raw
    if not force_sample and holds_files(raw):
        # Collected or imported tweets wait in raw until shipped: loading the made-up sample in their
        # place would put fake tweets in the user's warehouse while the real ones sit beside it.
        raise ConfigError(
            f"{landing} is empty, but {raw} holds raw files from collect or import: ship them first "
            f"(`tweets-etl ship`, a local move by default) or load them where they are "
            f"(`tweets-etl run --input {raw}`); `--sample` loads the bundled sample instead"
        )
    if not force_sample and holds_files(config.dirs.loaded):
        return []  # real tweets were loaded from landing before: the sample must not join them
    sample_dir = ensure_sample(config)
    log.info("no input given: using the bundled sample in %s", sample_dir)
    return [str(sample_dir)]


def handle(args, config: Config) -> int:
    from tweets_etl.io.raw import find_raw_files
    from tweets_etl.io.warehouse import Warehouse
    from tweets_etl.pipeline import run_pipeline
    from tweets_etl.spark import build_spark
    from tweets_etl.summary import run_summary

    stages = stages_to_run(args.stages, config)
    inputs = choose_inputs(config, args.input, args.sample)
    landing, loaded = config.dirs.landing, config.dirs.loaded
    if not inputs:
        print(
            f"nothing new in {landing}: every file delivered there is loaded (they are in {loaded}).\n"
            f"`tweets-etl run --input {loaded}/<batch id>` runs a batch again; `--sample` loads the sample."
        )
        return 0
    spark = build_spark(config)
    try:
        from_landing = inputs == [str(landing)]
        if from_landing:  # exactly these files make the batch, and move once it is loaded
            inputs = [file.path for file in find_raw_files(inputs, spark)]
        result = run_pipeline(
            spark, config, inputs=inputs, stages=stages, on_stage=lambda name: log.info("stage %s ...", name)
        )
        warehouse = Warehouse(spark, config.warehouse.database, config.warehouse.table_format)
        print("\n".join(run_summary(result, warehouse)))
        if from_landing and result.status == "succeeded" and _completes_batch(result.stages, config):
            moved_to = move_loaded(inputs, landing, loaded / result.batch_id)
            print(f"  loaded files moved to {moved_to} (`--input` that folder runs this batch again)")
        print(
            f'\nQuery it:  tweets-etl sql "SELECT * FROM {config.warehouse.database}.fct_tweets LIMIT 10"'
            f"  (or `make serve` and connect a BI tool to port {config.serve.port})",
            file=sys.stdout,
        )
    finally:
        spark.stop()
    return 0


def _completes_batch(stages_run: list, config: Config) -> bool:
    """Whether this run reached the batch's last stage (check, unless pipeline.stages ends sooner): a
    batch loaded in steps (ingest now, the rest later) stays in landing until then."""
    last = max(config.pipeline.stages, key=PIPELINE_STAGES.index)
    return bool(stages_run) and stages_run[-1] == last
