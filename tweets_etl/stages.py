"""What each pipeline stage does for one batch: ingest, stage, enrich, model, check.

Each stage reads what the one before it wrote, and touches only the partitions of the batch's days.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Dict, List

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from tweets_etl import quality
from tweets_etl.batch import BatchContext
from tweets_etl.io import seeds
from tweets_etl.io.raw import read_raw_lines
from tweets_etl.reference_data import TWEET_TYPE_DESCRIPTIONS
from tweets_etl.sentiment import Thresholds, sentiment_ranges, thresholds_for
from tweets_etl.side_by_side import run_side_by_side
from tweets_etl.spark import broadcast_threshold_bytes
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
    FCT_TWEETS,
    INT_TWEETS_ENRICHED,
    RAW_RECORDS,
    STG_TWEETS,
    Table,
)
from tweets_etl.transforms import dimensions, facts
from tweets_etl.transforms.ingest import parse_raw_lines
from tweets_etl.transforms.staging import dedupe_tweets, flatten_records, repeated_tweet_ids


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
        _write_deduped(context.spark, batch, warehouse.overwrite_partitions)
        return
    previous = warehouse.read_partitions(STG_TWEETS, context.batch_dates())
    # One dedupe over old and new together: the latest retrieved_at wins across batches too.
    _write_deduped(context.spark, previous.unionByName(batch), warehouse.swap_in)


# What one tweet id takes in a broadcast hash relation, roughly (a 19-digit string and row overhead).
_BYTES_PER_BROADCAST_ID = 64


def _write_deduped(spark: SparkSession, rows: DataFrame, write: Callable[[DataFrame, Table], None]) -> None:
    """Dedupe ``rows`` into stg_tweets. The ids that repeat are found first (one narrow aggregation,
    kept for the write); when they are few enough to broadcast (the usual case: a batch repeats a
    few percent of its tweets), only their rows are ranked and the rest are written as they are."""
    repeated = repeated_tweet_ids(rows).cache()
    try:
        broadcastable = repeated.count() * _BYTES_PER_BROADCAST_ID <= broadcast_threshold_bytes(spark)
        write(dedupe_tweets(rows, repeated_ids=repeated if broadcastable else None), STG_TWEETS)
    finally:
        repeated.unpersist()


def enrich(context: BatchContext) -> None:
    """stg_tweets (touched partitions) -> int_tweets_enriched: sentiment, feedback type, aspects, spam."""
    from tweets_etl.taxonomy import load_taxonomy
    from tweets_etl.transforms.enrich import judge_tweets

    settings = context.config.sentiment
    touched = context.warehouse.read_partitions(STG_TWEETS, context.batch_dates())
    # Only the judgements are written: the staged columns stay in stg_tweets, so the wide rows are
    # neither shuffled nor written again (model joins the two on tweet_id).
    judgements = judge_tweets(
        touched,
        taxonomy=load_taxonomy(context.config.taxonomy_path),
        backend=settings.backend,
        model_path=settings.model_path,
        batch_size=settings.batch_size,
        carry=("created_date",),
    )
    context.warehouse.overwrite_partitions(judgements, INT_TWEETS_ENRICHED)


def model(context: BatchContext) -> None:
    """stg_tweets and int_tweets_enriched (touched partitions) -> dimensions, fct_tweets and the bridges.

    The writes do not depend on each other (foreign keys are computed, not looked up), so
    they run side by side, the fact first: its tasks fill the cores while a dimension commits.
    """
    from tweets_etl.taxonomy import load_taxonomy

    spark, warehouse = context.spark, context.warehouse
    taxonomy = load_taxonomy(context.config.taxonomy_path)
    touched = warehouse.read_partitions(STG_TWEETS, context.batch_dates())
    enrichment = warehouse.read_partitions(INT_TWEETS_ENRICHED, context.batch_dates())
    growing = (
        (DIM_USERS, dimensions.build_dim_users),
        (DIM_HASHTAGS, dimensions.build_dim_hashtags),
        (DIM_SOURCES, dimensions.build_dim_sources),
        (DIM_LOCATIONS, dimensions.build_dim_locations),
    )
    languages = seeds.languages(spark)
    run_side_by_side(
        [
            lambda: warehouse.overwrite_partitions(facts.build_fct_tweets(touched, enrichment), FCT_TWEETS),
            lambda: warehouse.overwrite_partitions(
                facts.build_bridge_tweet_hashtags(touched), BRIDGE_TWEET_HASHTAGS
            ),
            lambda: warehouse.overwrite_partitions(
                facts.build_bridge_tweet_aspects(enrichment), BRIDGE_TWEET_ASPECTS
            ),
            *[partial(warehouse.rebuild, table, partial(build, touched)) for table, build in growing],
            partial(
                warehouse.rebuild, DIM_LANGUAGES, partial(dimensions.build_dim_languages, languages, touched)
            ),
            *[
                partial(warehouse.replace_if_changed, build, table, seeds.fingerprint(content))
                for table, build, content in _reference_dimensions(
                    spark, taxonomy, thresholds_for(context.config.sentiment.backend)
                )
            ],
        ]
    )


def _reference_dimensions(spark: SparkSession, taxonomy, sentiment_thresholds: Thresholds) -> list:
    """(table, builder from the current rows, what its content depends on) for the dimensions made
    from reference data. The taxonomy's keep the members a changed file dropped: older days'
    facts still point at them. dim_sentiments publishes the ranges of the configured backend's
    thresholds, so it is rebuilt when they change."""
    keep_retired = dimensions.keep_retired_members
    return [
        (
            DIM_TWEET_TYPES,
            lambda _: dimensions.build_dim_tweet_types(seeds.tweet_types(spark)),
            TWEET_TYPE_DESCRIPTIONS,
        ),
        (DIM_DATES, lambda _: dimensions.build_dim_dates(seeds.calendar_days(spark)), seeds.CALENDAR_END),
        (DIM_TIMES, lambda _: dimensions.build_dim_times(seeds.minutes_of_day(spark)), "minutes"),
        (
            DIM_SENTIMENTS,
            lambda _: dimensions.build_dim_sentiments(seeds.sentiment_bands(spark, sentiment_thresholds)),
            sentiment_ranges(sentiment_thresholds)[1],
        ),
        (
            DIM_FEEDBACK_TYPES,
            lambda current: keep_retired(
                dimensions.build_dim_feedback_types(seeds.feedback_types(spark, taxonomy)),
                current,
                DIM_FEEDBACK_TYPES,
            ),
            taxonomy.feedback_types,
        ),
        (
            DIM_ASPECTS,
            lambda current: keep_retired(
                dimensions.build_dim_aspects(seeds.aspects(spark, taxonomy)), current, DIM_ASPECTS
            ),
            taxonomy.aspects,
        ),
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
