"""Data-quality gates and reconciliation, declared as dbt-style contracts and run on every batch.

Checks look at the partitions the batch touched (and the small dimensions whole), so their cost
follows the batch, not the warehouse. A tweet's created_date never changes, so uniqueness inside
each touched partition is uniqueness overall.

Reconciliation counts independently of the code that moved the data: every raw record of the
batch must be a staged tweet (found in stg_tweets), a counted duplicate, or a quarantined reject.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, List, Sequence, Tuple

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from tweets_etl.io.warehouse import Warehouse
from tweets_etl.sentiment.base import SENTIMENT_LABELS
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
    DQ_RESULTS,
    FCT_TWEETS,
    INT_TWEETS_ENRICHED,
    RAW_RECORDS,
    STG_TWEETS,
    Table,
)
from tweets_etl.transforms.ingest import REJECT_REASONS
from tweets_etl.transforms.staging import TWEET_TYPES

# fact foreign key -> (dimension, its key)
FACT_RELATIONSHIPS: Tuple[Tuple[str, Table], ...] = (
    ("date_key", DIM_DATES),
    ("time_key", DIM_TIMES),
    ("user_key", DIM_USERS),
    ("source_key", DIM_SOURCES),
    ("location_key", DIM_LOCATIONS),
    ("language_key", DIM_LANGUAGES),
    ("tweet_type_key", DIM_TWEET_TYPES),
    ("sentiment_key", DIM_SENTIMENTS),
    ("feedback_type_key", DIM_FEEDBACK_TYPES),
)
DIMENSIONS = (*(dim for _, dim in FACT_RELATIONSHIPS), DIM_HASHTAGS, DIM_ASPECTS)


@dataclass(frozen=True)
class CheckResult:
    check_name: str
    table_name: str
    kind: str
    failing_rows: int

    @property
    def passed(self) -> bool:
        return self.failing_rows == 0


@dataclass
class QualityReport:
    checks: List[CheckResult] = field(default_factory=list)
    counts: Dict[str, int] = field(default_factory=dict)
    rejects_by_reason: Dict[str, int] = field(default_factory=dict)

    @property
    def is_reconciled(self) -> bool:
        return all(check.passed for check in self.checks if check.kind == "reconciliation")


def run_checks(warehouse: Warehouse, batch_records: DataFrame, batch_dates: DataFrame) -> QualityReport:
    """Run every gate for one batch. ``batch_records``: its raw_records rows; ``batch_dates``: its dates."""
    report = QualityReport()
    stg = warehouse.read_partitions(STG_TWEETS, batch_dates)
    fct = warehouse.read_partitions(FCT_TWEETS, batch_dates)
    bridge = warehouse.read_partitions(BRIDGE_TWEET_HASHTAGS, batch_dates)
    aspects = warehouse.read_partitions(BRIDGE_TWEET_ASPECTS, batch_dates)
    enriched = warehouse.read_partitions(INT_TWEETS_ENRICHED, batch_dates)
    _reconcile(report, batch_records, stg)
    report.checks.append(_unique(stg, STG_TWEETS, "tweet_id"))
    report.checks.append(_unique(fct, FCT_TWEETS, "tweet_id"))
    report.checks.extend(_not_null(fct, FCT_TWEETS, [key for key, _ in FACT_RELATIONSHIPS] + ["tweet_id"]))
    report.checks.extend(_relationships(warehouse, fct))
    report.checks.append(_orphans(bridge, "hashtag_key", warehouse.read(DIM_HASHTAGS), BRIDGE_TWEET_HASHTAGS))
    report.checks.append(_orphans(bridge, "tweet_id", fct, BRIDGE_TWEET_HASHTAGS, parent_name="fct_tweets"))
    report.checks.append(_orphans(aspects, "aspect_key", warehouse.read(DIM_ASPECTS), BRIDGE_TWEET_ASPECTS))
    report.checks.append(_orphans(aspects, "tweet_id", fct, BRIDGE_TWEET_ASPECTS, parent_name="fct_tweets"))
    report.checks.append(_unique(enriched, INT_TWEETS_ENRICHED, "tweet_id"))
    report.checks.append(
        _accepted_values(
            enriched, INT_TWEETS_ENRICHED, "sentiment_label", tuple(label.id for label in SENTIMENT_LABELS)
        )
    )
    for dim in DIMENSIONS:
        report.checks.append(_unique(warehouse.read(dim), dim, dim.columns[0]))
    report.checks.append(_accepted_values(stg, STG_TWEETS, "tweet_type", TWEET_TYPES))
    report.checks.append(
        _accepted_values(batch_records, RAW_RECORDS, "reject_reason", tuple(REJECT_REASONS), allow_null=True)
    )
    return report


def _reconcile(report: QualityReport, records: DataFrame, stg: DataFrame) -> None:
    totals = records.agg(
        F.count(F.lit(1)).alias("raw_records"),
        F.count(F.when(F.col("reject_reason").isNull(), 1)).alias("accepted"),
        F.countDistinct(F.when(F.col("reject_reason").isNull(), F.col("tweet_id"))).alias("distinct_tweets"),
    ).first()
    by_reason = records.where(F.col("reject_reason").isNotNull()).groupBy("reject_reason").count().collect()
    rejects = {row["reject_reason"]: row["count"] for row in by_reason}
    accepted_ids = records.where(F.col("reject_reason").isNull()).select("tweet_id").distinct()
    staged = stg.join(accepted_ids, on="tweet_id", how="left_semi").count()
    duplicates = totals["accepted"] - totals["distinct_tweets"]
    rejected = sum(rejects.values())
    report.rejects_by_reason = dict(sorted(rejects.items()))
    report.counts.update(
        raw_records=totals["raw_records"], staged=staged, duplicates=duplicates, rejects=rejected
    )
    unaccounted = totals["raw_records"] - (staged + duplicates + rejected)
    report.checks.append(
        CheckResult(
            "reconciliation:raw=staged+duplicates+rejects", "raw_records", "reconciliation", abs(unaccounted)
        )
    )
    missing = totals["distinct_tweets"] - staged
    report.checks.append(
        CheckResult("reconciliation:every_accepted_tweet_staged", "stg_tweets", "reconciliation", missing)
    )


def _unique(df: DataFrame, table: Table, key: str) -> CheckResult:
    row = df.agg(F.count(F.lit(1)).alias("rows"), F.countDistinct(key).alias("keys")).first()
    return CheckResult(f"unique:{table.name}.{key}", table.name, "unique", row["rows"] - row["keys"])


def _not_null(df: DataFrame, table: Table, columns: Sequence[str]) -> List[CheckResult]:
    row = df.agg(*[F.count(F.when(F.col(name).isNull(), 1)).alias(name) for name in columns]).first()
    return [
        CheckResult(f"not_null:{table.name}.{name}", table.name, "not_null", row[name]) for name in columns
    ]


def _relationships(warehouse: Warehouse, fct: DataFrame) -> List[CheckResult]:
    """Every fact key found in its dimension: one pass over the fact, dimensions broadcast."""
    joined = fct.select(*[key for key, _ in FACT_RELATIONSHIPS])
    for key, dim in FACT_RELATIONSHIPS:
        keys = warehouse.read(dim).select(F.col(dim.columns[0]).alias(key), F.lit(True).alias(f"_in_{key}"))
        joined = joined.join(F.broadcast(keys), on=key, how="left")
    row = joined.agg(
        *[F.count(F.when(F.col(f"_in_{key}").isNull(), 1)).alias(key) for key, _ in FACT_RELATIONSHIPS]
    ).first()
    return [
        CheckResult(f"relationship:fct_tweets.{key}->{dim.name}", FCT_TWEETS.name, "relationship", row[key])
        for key, dim in FACT_RELATIONSHIPS
    ]


def _orphans(
    child: DataFrame, key: str, parent: DataFrame, table: Table, parent_name: str = ""
) -> CheckResult:
    name = parent_name or key
    orphans = child.select(key).join(parent.select(key), on=key, how="left_anti").count()
    return CheckResult(f"relationship:{table.name}.{key}->{name}", table.name, "relationship", orphans)


def _accepted_values(
    df: DataFrame, table: Table, column: str, allowed: Sequence[str], allow_null: bool = False
) -> CheckResult:
    bad = ~F.col(column).isin(*allowed)
    if not allow_null:
        bad = bad | F.col(column).isNull()
    failing = df.where(bad).count()
    return CheckResult(f"accepted_values:{table.name}.{column}", table.name, "accepted_values", failing)


def write_results(warehouse: Warehouse, report: QualityReport, *, run_id: str, batch_id: str) -> None:
    checked_at = datetime.now(timezone.utc)
    rows = [
        (run_id, batch_id, c.check_name, c.table_name, c.kind, c.failing_rows, c.passed, checked_at)
        for c in report.checks
    ]
    warehouse.append(warehouse.spark.createDataFrame(rows, DQ_RESULTS.schema), DQ_RESULTS)
