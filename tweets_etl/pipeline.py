"""The batch pipeline: ingest -> stage -> enrich -> model -> check, each stage reading what the last wrote.

A batch is a set of raw files. Its id is a fingerprint of their names and sizes, so running the same
files again is the same batch: every stage then rewrites exactly what it wrote before, and the
tables end up with the same contents. Stages can also run alone (``--stages``, ``jobs/*.py``): they
find their batch by the same fingerprint.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from tweets_etl import quality
from tweets_etl.config import PIPELINE_STAGES, Config
from tweets_etl.errors import QualityGateError, TweetsEtlError
from tweets_etl.io import seeds
from tweets_etl.io.raw import RawInputs, find_raw_files, prepare_inputs, read_raw_lines
from tweets_etl.io.warehouse import Warehouse
from tweets_etl.seeds import TWEET_TYPES
from tweets_etl.sentiment.base import SENTIMENT_BANDS
from tweets_etl.tables import (
    BRIDGE_TWEET_ASPECTS,
    BRIDGE_TWEET_HASHTAGS,
    DIM_ASPECTS,
    DIM_DATES,
    DIM_FEEDBACK_TYPES,
    DIM_HASHTAGS,
    DIM_LANGUAGES,
    DIM_LOCATIONS,
    DIM_SENTIMENTS,
    DIM_SOURCES,
    DIM_TIMES,
    DIM_TWEET_TYPES,
    DIM_USERS,
    ETL_RUNS,
    FCT_TWEETS,
    INT_TWEETS_ENRICHED,
    RAW_RECORDS,
    STG_TWEETS,
)
from tweets_etl.transforms import dimensions, facts
from tweets_etl.transforms.ingest import parse_raw_lines
from tweets_etl.transforms.staging import dedupe_tweets, flatten_records

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What a run did; becomes one row of etl_runs and the summary printed at the end."""

    run_id: str
    batch_id: str
    env: str
    stages: List[str]
    input_files: List[str]
    started_at: datetime
    finished_at: Optional[datetime] = None
    status: str = "running"
    message: Optional[str] = None
    counts: Dict[str, int] = field(default_factory=dict)
    rejects_by_reason: Dict[str, int] = field(default_factory=dict)
    stage_seconds: Dict[str, float] = field(default_factory=dict)
    checks: List[quality.CheckResult] = field(default_factory=list)
    is_reconciled: Optional[bool] = None


@dataclass
class BatchContext:
    spark: SparkSession
    config: Config
    warehouse: Warehouse
    raw: RawInputs
    result: RunResult

    @property
    def batch_id(self) -> str:
        return self.result.batch_id

    def batch_records(self) -> DataFrame:
        return self.warehouse.read(RAW_RECORDS).where(F.col("batch_id") == self.batch_id)

    def batch_dates(self) -> DataFrame:
        """The created_date partitions this batch touches (a handful of rows: one per day)."""
        accepted = self.batch_records().where(F.col("reject_reason").isNull())
        return accepted.select("created_date").distinct()


def batch_id_for(raw: RawInputs) -> str:
    return f"b{raw.batch_fingerprint[:16]}"


def resolve_inputs(config: Config, inputs: Sequence[str]) -> List[str]:
    """Explicit inputs, else pipeline.inputs from config, else the landing folder."""
    chosen = list(inputs) or list(config.pipeline.inputs) or [str(config.var_subdir("landing"))]
    return find_raw_files(chosen)


def run_pipeline(
    spark: SparkSession,
    config: Config,
    *,
    inputs: Sequence[str],
    stages: Sequence[str] = PIPELINE_STAGES,
    on_stage: Optional[Callable[[str], None]] = None,
) -> RunResult:
    """Run the given stages for the batch made of ``inputs`` and record the run in etl_runs."""
    files = resolve_inputs(config, inputs)
    raw = prepare_inputs(files, recovery_dir=config.var_subdir("recovered"))
    result = RunResult(
        run_id=uuid.uuid4().hex[:12],
        batch_id=batch_id_for(raw),
        env=config.env,
        stages=[stage for stage in PIPELINE_STAGES if stage in stages],
        input_files=raw.names,
        started_at=_now(),
    )
    warehouse = Warehouse(spark, config.warehouse.database, config.warehouse.table_format)
    warehouse.ensure()
    context = BatchContext(spark, config, warehouse, raw, result)
    try:
        for stage in result.stages:
            if on_stage:
                on_stage(stage)
            began = time.monotonic()
            spark.sparkContext.setJobGroup(stage, f"tweets-etl {stage} {result.batch_id}")
            _run_stage(stage, context)
            result.stage_seconds[stage] = round(time.monotonic() - began, 2)
        result.status = "succeeded"
        failed = [check for check in result.checks if not check.passed]
        if failed and config.pipeline.fail_on_gate:
            result.status = "failed"
            result.message = "data-quality gates failed: " + ", ".join(check.check_name for check in failed)
    except TweetsEtlError as error:
        result.status, result.message = "failed", str(error)
        raise
    except Exception as error:
        result.status, result.message = (
            "failed",
            f"{type(error).__name__}: {str(error).splitlines()[0][:500]}",
        )
        raise
    finally:
        if result.status == "running":
            result.status = "failed"
            result.message = result.message or "interrupted"
        result.finished_at = _now()
        _record_run(context)
    if result.status == "failed":
        raise QualityGateError(result.message or "the run failed")
    return result


# What scoring and classification read from stg_tweets, and the columns they add.
ENRICH_INPUT_COLUMNS = (
    "tweet_id",
    "text",
    "hashtags",
    "mentions",
    "urls",
    "author_id",
    "created_at",
    "author_created_at",
    "author_tweet_count",
)
ENRICHMENT_COLUMNS = tuple(name for name in INT_TWEETS_ENRICHED.columns if name not in STG_TWEETS.columns)


class StageError(TweetsEtlError):
    """A stage failed for a reason that is not the user's input; the message names the stage."""


def _run_stage(name: str, context: BatchContext) -> None:
    try:
        STAGES[name](context)
    except TweetsEtlError as error:
        raise type(error)(f"stage {name}: {error}") from error
    except Exception as error:
        log.debug("stage %s failed", name, exc_info=True)
        detail = str(error).strip().splitlines()[0][:400] if str(error).strip() else ""
        raise StageError(f"stage {name} failed: {type(error).__name__}: {detail}") from error


def ingest(context: BatchContext) -> None:
    """Raw files -> raw_records (the batch's partition, rewritten whole)."""
    lines = read_raw_lines(context.spark, context.raw)
    records = flatten_records(parse_raw_lines(lines, batch_id=context.batch_id))
    unreadable = [(u.name, u.detail) for u in context.raw.unreadable]
    if unreadable:
        records = records.unionByName(_unreadable_rows(context, unreadable), allowMissingColumns=True)
    context.warehouse.overwrite_partitions(records, RAW_RECORDS)
    by_reason = context.batch_records().groupBy("reject_reason").count().collect()
    counts = {row["reject_reason"]: row["count"] for row in by_reason}
    context.result.counts["raw_records"] = sum(counts.values())
    context.result.counts["accepted"] = counts.pop(None, 0)
    context.result.rejects_by_reason = dict(sorted(counts.items()))
    context.result.counts["rejects"] = sum(counts.values())


def _unreadable_rows(context: BatchContext, rows: List[tuple]) -> DataFrame:
    frame = context.spark.createDataFrame(rows, "source_file string, reject_detail string")
    return frame.select(
        F.lit(context.batch_id).alias("batch_id"),
        "source_file",
        F.lit("unreadable_file").alias("reject_reason"),
        "reject_detail",
        F.lit(0).alias("tweet_position"),
    )


def stage(context: BatchContext) -> None:
    """raw_records (batch) -> stg_tweets: merge into the touched date partitions, one row per tweet."""
    warehouse = context.warehouse
    batch = context.batch_records().where(F.col("reject_reason").isNull()).select(*STG_TWEETS.columns)
    if not warehouse.has_partitions(STG_TWEETS, context.batch_dates()):
        # Only new days: nothing to merge with, so no need to stage and swap.
        warehouse.overwrite_partitions(dedupe_tweets(batch), STG_TWEETS)
        return
    previous = warehouse.read_partitions(STG_TWEETS, context.batch_dates())
    # One dedupe over old and new together: the latest retrieved_at wins across batches too.
    warehouse.swap_in(dedupe_tweets(previous.unionByName(batch)), STG_TWEETS)


def enrich(context: BatchContext) -> None:
    """stg_tweets (touched partitions) -> int_tweets_enriched: sentiment, feedback type, aspects, spam."""
    from tweets_etl.taxonomy import load_taxonomy
    from tweets_etl.transforms.classify import with_aspects, with_feedback_type, with_spam_flags
    from tweets_etl.transforms.sentiment import with_sentiment

    settings = context.config.sentiment
    taxonomy = load_taxonomy(context.config.taxonomy_path)
    touched = context.warehouse.read_partitions(STG_TWEETS, context.batch_dates())
    # Scoring and classifying need a few columns; the shuffles they cause (distinct texts, the
    # spam window) move only those. The wide staged rows are shuffled once, by the join below.
    judged = (
        touched.select(*ENRICH_INPUT_COLUMNS)
        .transform(
            with_sentiment,
            backend=settings.backend,
            model_path=settings.model_path,
            batch_size=settings.batch_size,
            keep_text=False,
        )
        .transform(with_aspects, taxonomy=taxonomy)
        .transform(with_feedback_type, taxonomy=taxonomy)
        .transform(with_spam_flags, taxonomy=taxonomy)
    )
    enrichment = judged.select("tweet_id", *ENRICHMENT_COLUMNS)
    # left: a row lost by enrichment would keep null labels and fail the accepted-values gate.
    enriched = touched.join(enrichment, on="tweet_id", how="left")
    context.warehouse.overwrite_partitions(enriched, INT_TWEETS_ENRICHED)


def model(context: BatchContext) -> None:
    """int_tweets_enriched (touched partitions) -> dimensions, fct_tweets and the bridges."""
    from tweets_etl.taxonomy import load_taxonomy

    spark, warehouse = context.spark, context.warehouse
    taxonomy = load_taxonomy(context.config.taxonomy_path)
    touched = warehouse.read_partitions(INT_TWEETS_ENRICHED, context.batch_dates())
    growing = (
        (DIM_USERS, dimensions.build_dim_users),
        (DIM_HASHTAGS, dimensions.build_dim_hashtags),
        (DIM_SOURCES, dimensions.build_dim_sources),
        (DIM_LOCATIONS, dimensions.build_dim_locations),
    )
    for table, build in growing:
        warehouse.swap_in(build(touched, warehouse.read(table)), table)
    languages = dimensions.build_dim_languages(seeds.languages(spark), touched, warehouse.read(DIM_LANGUAGES))
    warehouse.swap_in(languages, DIM_LANGUAGES)
    for table, build, content in _reference_dimensions(spark, taxonomy):
        warehouse.replace_if_changed(build, table, seeds.fingerprint(content))
    warehouse.overwrite_partitions(facts.build_fct_tweets(touched), FCT_TWEETS)
    warehouse.overwrite_partitions(facts.build_bridge_tweet_hashtags(touched), BRIDGE_TWEET_HASHTAGS)
    warehouse.overwrite_partitions(facts.build_bridge_tweet_aspects(touched), BRIDGE_TWEET_ASPECTS)


def _reference_dimensions(spark: SparkSession, taxonomy) -> list:
    """(table, builder, what its content depends on) for the dimensions made from reference data."""
    return [
        (DIM_TWEET_TYPES, lambda: dimensions.build_dim_tweet_types(seeds.tweet_types(spark)), TWEET_TYPES),
        (DIM_DATES, lambda: dimensions.build_dim_dates(seeds.calendar_days(spark)), seeds.CALENDAR_END),
        (DIM_TIMES, lambda: dimensions.build_dim_times(seeds.minutes_of_day(spark)), "minutes"),
        (
            DIM_SENTIMENTS,
            lambda: dimensions.build_dim_sentiments(seeds.sentiment_bands(spark)),
            SENTIMENT_BANDS,
        ),
        (
            DIM_FEEDBACK_TYPES,
            lambda: dimensions.build_dim_feedback_types(seeds.feedback_types(spark, taxonomy)),
            taxonomy.feedback_types,
        ),
        (DIM_ASPECTS, lambda: dimensions.build_dim_aspects(seeds.aspects(spark, taxonomy)), taxonomy.aspects),
    ]


def check(context: BatchContext) -> None:
    """Reconciliation and data-quality gates; results go to dq_results."""
    report = quality.run_checks(context.warehouse, context.batch_records(), context.batch_dates())
    context.result.checks = report.checks
    context.result.counts.update(report.counts)
    context.result.rejects_by_reason = report.rejects_by_reason
    context.result.is_reconciled = report.is_reconciled
    quality.write_results(context.warehouse, report, run_id=context.result.run_id, batch_id=context.batch_id)


STAGES: Dict[str, Callable[[BatchContext], None]] = {
    "ingest": ingest,
    "stage": stage,
    "enrich": enrich,
    "model": model,
    "check": check,
}


def _record_run(context: BatchContext) -> None:
    result = context.result
    row = {
        "run_id": result.run_id,
        "batch_id": result.batch_id,
        "env": result.env,
        "status": result.status,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "stages": result.stages,
        "input_files": result.input_files,
        "counts": result.counts,
        "rejects_by_reason": result.rejects_by_reason,
        "stage_seconds": result.stage_seconds,
        "is_reconciled": result.is_reconciled,
        "message": result.message,
    }
    try:
        frame = context.spark.createDataFrame([row], ETL_RUNS.schema)
        context.warehouse.append(frame, ETL_RUNS)
    except Exception:  # recording must never hide the run's own outcome
        log.warning("could not record the run in etl_runs", exc_info=True)


def _now() -> datetime:
    # Aware, so PySpark converts it as UTC whatever the machine's local time zone is.
    return datetime.now(timezone.utc)


def default_sample_dir(config: Config) -> Path:
    return config.var_subdir("sample")
