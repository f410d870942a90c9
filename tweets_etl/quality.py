"""Data-quality gates and reconciliation, declared as dbt-style contracts and run on every batch.

Checks look at the partitions the batch touched (and the small dimensions whole), so their cost
follows the batch, not the warehouse. A tweet's created_date never changes, so uniqueness inside
each touched partition is uniqueness overall.

Reconciliation counts independently of the code that moved the data: every raw record of the
batch must be a staged tweet (found in stg_tweets), a counted duplicate, or a quarantined reject.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import reduce
from typing import Dict, List, Optional, Sequence, Tuple

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from tweets_etl.io.warehouse import Warehouse
from tweets_etl.sentiment.base import LABEL_IDS
from tweets_etl.side_by_side import run_side_by_side
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


def run_checks(warehouse: Warehouse, batch_records: DataFrame, batch_dates: Sequence[date]) -> QualityReport:
    """Run every gate for one batch. ``batch_records``: its raw_records rows; ``batch_dates``: its dates.

    Every gate on tweet ids (reconciliation, uniqueness, relationships between the tweet tables)
    comes from one aggregation; value rules on one table share one pass; same-shaped rules on
    different tables are unioned into one query. The whole check is a handful of Spark jobs, run
    side by side.
    """
    report = QualityReport()
    stg = warehouse.read_partitions(STG_TWEETS, batch_dates)
    fct = warehouse.read_partitions(FCT_TWEETS, batch_dates)
    enriched = warehouse.read_partitions(INT_TWEETS_ENRICHED, batch_dates)
    hashtags = warehouse.read_partitions(BRIDGE_TWEET_HASHTAGS, batch_dates)
    aspects = warehouse.read_partitions(BRIDGE_TWEET_ASPECTS, batch_dates)
    # First, alone: the tweet id gates reconcile against the counts it records.
    report.checks += _reconcile_rejects(report, batch_records)
    id_sources = {
        TWEET_SOURCE_ACCEPTED: batch_records.where(F.col("reject_reason").isNull()),
        STG_TWEETS.name: stg,
        INT_TWEETS_ENRICHED.name: enriched,
        FCT_TWEETS.name: fct,
        BRIDGE_TWEET_HASHTAGS.name: hashtags,
        BRIDGE_TWEET_ASPECTS.name: aspects,
    }
    bridges = [
        (hashtags, "hashtag_key", warehouse.read(DIM_HASHTAGS), BRIDGE_TWEET_HASHTAGS, DIM_HASHTAGS.name),
        (aspects, "aspect_key", warehouse.read(DIM_ASPECTS), BRIDGE_TWEET_ASPECTS, DIM_ASPECTS.name),
    ]
    fact_keys = ["tweet_id", *(key for key, _ in FACT_RELATIONSHIPS)]
    gates = run_side_by_side(
        [
            lambda: tweet_id_gates(report, id_sources),
            lambda: _value_rules(stg, STG_TWEETS, accepted={"tweet_type": TWEET_TYPES}),
            lambda: _value_rules(fct, FCT_TWEETS, not_null=fact_keys),
            lambda: _value_rules(enriched, INT_TWEETS_ENRICHED, accepted={"sentiment_label": LABEL_IDS}),
            lambda: _relationships(warehouse, fct),
            lambda: _orphans(bridges),
            lambda: _unique_keys([(warehouse.read(dim), dim) for dim in DIMENSIONS]),
        ]
    )
    report.checks += [check for checks in gates for check in checks]
    return report


# The ledger's name for the batch's accepted raw records (the other sources are tables).
TWEET_SOURCE_ACCEPTED = "accepted_records"
# (child, parent): every tweet_id of the child has a row in the parent. Staged tweets are all
# enriched and modelled (none lost between stages); bridge rows point at real tweets.
TWEET_RELATIONSHIPS = (
    (STG_TWEETS, INT_TWEETS_ENRICHED),
    (INT_TWEETS_ENRICHED, FCT_TWEETS),
    (BRIDGE_TWEET_HASHTAGS, FCT_TWEETS),
    (BRIDGE_TWEET_ASPECTS, FCT_TWEETS),
)
UNIQUE_TWEETS = (STG_TWEETS, FCT_TWEETS, INT_TWEETS_ENRICHED)


def _reconcile_rejects(report: QualityReport, records: DataFrame) -> List[CheckResult]:
    """The batch's raw records by reject reason (null: accepted), and the reasons' accepted values."""
    by_reason = records.groupBy("reject_reason").agg(F.count(F.lit(1)).alias("records")).collect()
    rejects = {row["reject_reason"]: row["records"] for row in by_reason if row["reject_reason"] is not None}
    report.rejects_by_reason = dict(sorted(rejects.items()))
    report.counts.update(raw_records=sum(row["records"] for row in by_reason), rejects=sum(rejects.values()))
    return [
        CheckResult(
            f"accepted_values:{RAW_RECORDS.name}.reject_reason",
            RAW_RECORDS.name,
            "accepted_values",
            sum(count for reason, count in rejects.items() if reason not in REJECT_REASONS),
        )
    ]


def tweet_id_gates(report: QualityReport, sources: Dict[str, DataFrame]) -> List[CheckResult]:
    """Reconciliation, tweet_id uniqueness and every tweet_id relationship, in one aggregation.

    The tweet_ids of the batch's accepted records and of every touched table are grouped once,
    counting each id's rows per source; every gate is then a sum over those counts. (One shuffle of
    narrow ids, where a distinct count and an anti-join per gate shuffled them a dozen times.)
    """
    tagged = reduce(
        DataFrame.unionByName,
        [df.select("tweet_id", F.lit(name).alias("source")) for name, df in sources.items()],
    )
    per_id = tagged.groupBy("tweet_id").agg(
        *[F.count(F.when(F.col("source") == name, 1)).alias(name) for name in sources]
    )
    rows = {name: F.col(name) for name in sources}
    known = F.col("tweet_id").isNotNull()
    accepted = known & (rows[TWEET_SOURCE_ACCEPTED] > 0)
    # A null id is never unique and never has a parent: all its rows fail those gates.
    aggregates = [
        F.sum(rows[TWEET_SOURCE_ACCEPTED]).alias("accepted_records"),
        F.count(F.when(accepted, 1)).alias("accepted_tweets"),
        F.sum(F.when(accepted, rows[STG_TWEETS.name]).otherwise(0)).alias("staged"),
        *[
            F.sum(
                F.when(known, F.greatest(rows[table.name] - 1, F.lit(0))).otherwise(rows[table.name])
            ).alias(f"unique:{table.name}")
            for table in UNIQUE_TWEETS
        ],
        *[
            F.sum(F.when(~known | (rows[parent.name] == 0), rows[child.name]).otherwise(0)).alias(
                f"orphans:{child.name}"
            )
            for child, parent in TWEET_RELATIONSHIPS
        ],
    ]
    totals = {name: value or 0 for name, value in per_id.agg(*aggregates).first().asDict().items()}
    staged, distinct_tweets = totals["staged"], totals["accepted_tweets"]
    duplicates = totals["accepted_records"] - distinct_tweets
    report.counts.update(staged=staged, duplicates=duplicates)
    rejected = report.counts.get("rejects", 0)
    return [
        CheckResult(
            "reconciliation:raw=staged+duplicates+rejects",
            RAW_RECORDS.name,
            "reconciliation",
            abs(report.counts.get("raw_records", 0) - (staged + duplicates + rejected)),
        ),
        CheckResult(
            "reconciliation:every_accepted_tweet_staged",
            STG_TWEETS.name,
            "reconciliation",
            distinct_tweets - staged,
        ),
        *[
            CheckResult(f"unique:{table.name}.tweet_id", table.name, "unique", totals[f"unique:{table.name}"])
            for table in UNIQUE_TWEETS
        ],
        *[
            CheckResult(
                f"relationship:{child.name}.tweet_id->{parent.name}",
                child.name,
                "relationship",
                totals[f"orphans:{child.name}"],
            )
            for child, parent in TWEET_RELATIONSHIPS
        ],
    ]


def _value_rules(
    df: DataFrame,
    table: Table,
    *,
    not_null: Sequence[str] = (),
    accepted: Optional[Dict[str, Sequence[str]]] = None,
) -> List[CheckResult]:
    """Not-null and accepted-values rules of one table, in one pass (no shuffle)."""
    accepted = accepted or {}
    row = df.agg(
        *[F.count(F.when(F.col(name).isNull(), 1)).alias(f"null_{name}") for name in not_null],
        *[
            F.count(F.when(F.col(name).isNull() | ~F.col(name).isin(*values), 1)).alias(f"bad_{name}")
            for name, values in accepted.items()
        ],
    ).first()
    results = [
        CheckResult(f"not_null:{table.name}.{name}", table.name, "not_null", row[f"null_{name}"])
        for name in not_null
    ]
    results += [
        CheckResult(f"accepted_values:{table.name}.{name}", table.name, "accepted_values", row[f"bad_{name}"])
        for name in accepted
    ]
    return results


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


def _orphans(pairs: Sequence[Tuple[DataFrame, str, DataFrame, Table, str]]) -> List[CheckResult]:
    """Child rows whose key has no parent row, for several (child, key, parent) pairs in one query."""
    counts = [
        child.select(key)
        .join(parent.select(key), on=key, how="left_anti")
        .agg(F.count(F.lit(1)).alias("orphans"))
        .select(F.lit(f"relationship:{table.name}.{key}->{parent_name}").alias("check"), "orphans")
        for child, key, parent, table, parent_name in pairs
    ]
    found = dict(reduce(DataFrame.unionByName, counts).collect())
    names = [(f"relationship:{table.name}.{key}->{parent}", table) for _, key, _, table, parent in pairs]
    return [CheckResult(name, table.name, "relationship", found[name]) for name, table in names]


def _unique_keys(tables: Sequence[Tuple[DataFrame, Table]]) -> List[CheckResult]:
    """Surrogate keys unique in every dimension, in one query."""
    counts = [
        df.agg((F.count(F.lit(1)) - F.countDistinct(table.columns[0])).alias("duplicates")).select(
            F.lit(table.name).alias("table"), "duplicates"
        )
        for df, table in tables
    ]
    found = dict(reduce(DataFrame.unionByName, counts).collect())
    return [
        CheckResult(f"unique:{table.name}.{table.columns[0]}", table.name, "unique", found[table.name])
        for _, table in tables
    ]


def write_results(warehouse: Warehouse, report: QualityReport, *, run_id: str, batch_id: str) -> None:
    checked_at = datetime.now(timezone.utc)
    rows = [
        (run_id, batch_id, c.check_name, c.table_name, c.kind, c.failing_rows, c.passed, checked_at)
        for c in report.checks
    ]
    warehouse.append(warehouse.spark.createDataFrame(rows, DQ_RESULTS.schema), DQ_RESULTS)
