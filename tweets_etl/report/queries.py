"""The dashboard's datasets: small aggregates computed in Spark from the star schema and the marts.

Everything is grouped in Spark; only the aggregates (a row per day, per hashtag in the top N, per
aspect...) reach the driver, so the same code serves 3,000 sample tweets and a cluster's millions.
Spam (``fct_tweets.is_spam``) is left out unless asked for, and the number left out is reported.

:func:`dashboard_data` returns plain JSON-able Python (str, int, float, None, lists, dicts): it is
what ``dashboard.json`` holds and all the HTML renderer reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from tweets_etl.config import identifier
from tweets_etl.errors import ConfigError
from tweets_etl.marts import not_spam
from tweets_etl.reference_data import UNKNOWN_MEMBER
from tweets_etl.report.periods import DASHBOARD_LABELS, NOT_JUDGED_NAME, bucket_timeline, trend_windows
from tweets_etl.sentiment.base import net_sentiment
from tweets_etl.taxonomy import REPORTED_FEEDBACK_TYPES, plural


@dataclass(frozen=True)
class ReportOptions:
    include_spam: bool = False
    trend_days: Optional[int] = None  # None: 7 days; at most half the covered days
    top: int = 10  # rows in the ranked lists (hashtags, languages, locations)
    min_trend_mentions: int = 3  # a hashtag needs this many uses in both periods together to trend
    examples: int = 3  # example tweets per aspect and feedback type

    def __post_init__(self) -> None:
        if self.trend_days is not None and self.trend_days < 1:
            raise ConfigError(f"--trend-days is {self.trend_days}; it must be at least 1")
        if self.top < 2:
            # The languages chart shows the top - 1 languages and "Other" for the rest: with 1, Other alone.
            raise ConfigError(
                f"--top is {self.top}; it must be at least 2 (the languages chart shows the top N - 1 and Other)"
            )


def dashboard_data(spark: SparkSession, database: str, options: Optional[ReportOptions] = None) -> Dict:
    """Every dataset the dashboard shows, aggregated from ``database``."""
    options = options or ReportOptions()
    db = identifier(database, key="warehouse.database")
    facts = tweet_facts(spark, db)
    kept = facts if options.include_spam else facts.where(not_spam())
    kept = kept.cache()
    try:
        summary = summarize(facts, kept_rule=None if options.include_spam else not_spam())
        data: Dict[str, Any] = {
            "database": db,
            "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "include_spam": options.include_spam,
            "summary": summary,
        }
        data.update(_breakdowns(kept, options.top))
        data["timeline"] = bucket_timeline(_daily(kept))
        data["feedback_timeline"] = _feedback_timeline(kept)
        tagged = hashtag_uses(spark, db, kept)
        data["top_hashtags"] = _ranked(tagged, "hashtag", options.top)
        data["trending_hashtags"] = _trending(tagged, summary, options)
        data["aspects"] = aspect_sentiment(spark, db, kept)
        data["top_feedback"] = top_feedback(spark, db, options.examples)
    finally:
        kept.unpersist()
    return data


def tweet_facts(spark: SparkSession, db: str) -> DataFrame:
    """fct_tweets with the few dimension attributes the dashboard groups by (dimensions are small)."""

    def dim(name: str, *columns: Any) -> DataFrame:
        return F.broadcast(spark.table(f"{db}.{name}").select(*columns))

    return (
        spark.table(f"{db}.fct_tweets")
        .join(dim("dim_sources", "source_key", "device", "os"), on="source_key", how="left")
        .join(
            dim(
                "dim_sentiments",
                "sentiment_key",
                "sentiment_band",
                "band_name",
                F.col("sort_order").alias("band_order"),
                "sentiment_label",
            ),
            on="sentiment_key",
            how="left",
        )
        .join(dim("dim_languages", "language_key", "language_name"), on="language_key", how="left")
        .join(
            dim("dim_locations", "location_key", "location_source", "location_name", "country"),
            on="location_key",
            how="left",
        )
        .join(dim("dim_tweet_types", "tweet_type_key", "tweet_type"), on="tweet_type_key", how="left")
        .join(
            dim(
                "dim_feedback_types",
                "feedback_type_key",
                "feedback_type",
                "feedback_name",
                F.col("sort_order").alias("feedback_order"),
            ),
            on="feedback_type_key",
            how="left",
        )
        .join(dim("dim_times", "time_key", "hour"), on="time_key", how="left")
        .withColumn("sentiment_label", F.coalesce("sentiment_label", F.lit(UNKNOWN_MEMBER)))
        .select(
            "tweet_id",
            "created_date",
            "user_key",
            "is_spam",
            "is_retweet",
            "sentiment_score",
            "engagement_count",
            "engagement_rate",
            F.coalesce("sentiment_band", F.lit(UNKNOWN_MEMBER)).alias("sentiment_band"),
            F.when(F.col("sentiment_label") == UNKNOWN_MEMBER, F.lit(NOT_JUDGED_NAME))
            .otherwise(F.coalesce("band_name", "sentiment_band"))
            .alias("band_name"),
            F.coalesce("band_order", F.lit(99)).alias("band_order"),
            "sentiment_label",
            F.coalesce("device", F.lit(UNKNOWN_MEMBER)).alias("device"),
            F.coalesce("os", F.lit(UNKNOWN_MEMBER)).alias("os"),
            F.coalesce("language_name", F.lit(UNKNOWN_MEMBER)).alias("language_name"),
            F.coalesce("location_source", F.lit(UNKNOWN_MEMBER)).alias("location_source"),
            "location_name",
            "country",
            F.coalesce("tweet_type", F.lit(UNKNOWN_MEMBER)).alias("tweet_type"),
            F.coalesce("feedback_type", F.lit(UNKNOWN_MEMBER)).alias("feedback_type"),
            F.when(
                F.coalesce("feedback_type", F.lit(UNKNOWN_MEMBER)) == UNKNOWN_MEMBER, F.lit(NOT_JUDGED_NAME)
            )
            .otherwise(F.col("feedback_name"))
            .alias("feedback_name"),
            F.coalesce("feedback_order", F.lit(99)).alias("feedback_order"),
            "hour",
        )
    )


def _label_counts() -> List[Column]:
    label = F.col("sentiment_label")
    return [F.count(F.when(label == name, 1)).alias(name) for name in DASHBOARD_LABELS]


def summarize(facts: DataFrame, *, kept_rule: Optional[Column]) -> Dict[str, Any]:
    """The headline numbers, in one pass over the facts (kept rows, plus what was left out)."""
    keep = kept_rule if kept_rule is not None else F.lit(True)

    def kept(column: Any) -> Column:
        return F.when(keep, column)

    row = facts.agg(
        F.count(kept(F.lit(1))).alias("tweets"),
        F.count(F.when(~keep, 1)).alias("spam_excluded"),
        F.count(kept(F.when(F.col("is_retweet"), 1))).alias("retweets"),
        F.avg(kept(F.col("sentiment_score"))).alias("avg_sentiment"),
        F.avg(kept(F.col("engagement_rate"))).alias("avg_engagement_rate"),
        F.count(kept(F.col("engagement_rate"))).alias("tweets_with_impressions"),
        F.sum(kept(F.col("engagement_count"))).alias("engagements"),
        F.countDistinct(kept(F.col("user_key"))).alias("authors"),
        F.min(kept(F.col("created_date"))).alias("first_date"),
        F.max(kept(F.col("created_date"))).alias("last_date"),
        F.count(kept(F.when(F.col("device") == UNKNOWN_MEMBER, 1))).alias("unknown_device"),
        F.count(kept(F.when(F.col("location_source") == UNKNOWN_MEMBER, 1))).alias("unknown_location"),
        *[
            F.count(kept(F.when(F.col("sentiment_label") == name, 1))).alias(name)
            for name in DASHBOARD_LABELS
        ],
    ).first()
    summary = row.asDict()
    summary["net_sentiment"] = net_sentiment(summary["positive"], summary["negative"])
    summary["engagements"] = int(summary["engagements"] or 0)
    for key in ("first_date", "last_date"):
        summary[key] = summary[key].isoformat() if summary[key] else None
    summary["days"] = (
        (date.fromisoformat(summary["last_date"]) - date.fromisoformat(summary["first_date"])).days + 1
        if summary["first_date"]
        else 0
    )
    return summary


def _counts(df: DataFrame, *keys: str) -> List[Dict[str, Any]]:
    rows = df.groupBy(*keys).agg(F.count(F.lit(1)).alias("tweets")).collect()
    return sorted((row.asDict() for row in rows), key=lambda item: (-item["tweets"], str(item[keys[0]])))


def _breakdowns(kept: DataFrame, top: int) -> Dict[str, Any]:
    """Counts by one attribute at a time: sentiment, device and OS, type, language, location, hour."""
    bands = sorted(
        _counts(kept, "sentiment_band", "band_name", "band_order", "sentiment_label"),
        key=lambda item: item["band_order"],
    )
    share = {name: 0 for name in DASHBOARD_LABELS}
    for band in bands:
        share[band["sentiment_label"]] = share.get(band["sentiment_label"], 0) + band["tweets"]
    sources = _counts(kept, "device", "os")
    hours = {row["hour"]: row["tweets"] for row in _counts(kept, "hour") if row["hour"] is not None}
    places = kept.where(F.col("location_source") == "place")
    named = kept.where((F.col("location_source") != UNKNOWN_MEMBER) & F.col("location_name").isNotNull())
    return {
        "sentiment_bands": [
            {
                "band": b["sentiment_band"],
                "name": b["band_name"],
                "label": b["sentiment_label"],
                "tweets": b["tweets"],
            }
            for b in bands
        ],
        "sentiment_share": [{"label": name, "tweets": share[name]} for name in share],
        "devices": _rollup(sources, "device"),
        "operating_systems": _rollup(sources, "os"),
        "tweet_types": _counts(kept, "tweet_type"),
        "languages": _top_with_other(_counts(kept, "language_name"), "language_name", top),
        "locations": _ranked(named, "location_name", top),
        "countries": _ranked(places.where(F.col("country").isNotNull()), "country", top),
        "hours": [{"hour": hour, "tweets": hours.get(hour, 0)} for hour in range(24)],
    }


def _rollup(rows: List[Dict[str, Any]], key: str) -> List[Dict[str, Any]]:
    totals: Dict[str, int] = {}
    for row in rows:
        totals[row[key]] = totals.get(row[key], 0) + row["tweets"]
    return [{key: name, "tweets": n} for name, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]


def _top_with_other(rows: List[Dict[str, Any]], key: str, top: int) -> List[Dict[str, Any]]:
    if len(rows) <= top:
        return rows
    rest = sum(row["tweets"] for row in rows[top - 1 :])
    return [*rows[: top - 1], {key: "Other", "tweets": rest}]


def _ranked(df: DataFrame, key: str, top: int) -> List[Dict[str, Any]]:
    """The ``top`` most frequent values of ``key`` (ties by name), ranked in Spark."""
    rows = (
        df.groupBy(key)
        .agg(F.count(F.lit(1)).alias("tweets"))
        .orderBy(F.desc("tweets"), F.asc(key))
        .limit(top)
        .collect()
    )
    return [row.asDict() for row in rows]


def _daily(kept: DataFrame) -> List[Dict[str, Any]]:
    rows = (
        kept.groupBy("created_date")
        .agg(
            F.count(F.lit(1)).alias("tweets"),
            F.count(F.when(F.col("is_retweet"), 1)).alias("retweets"),
            F.sum("sentiment_score").alias("sentiment_sum"),
            F.count("sentiment_score").alias("scored"),
            *_label_counts(),
        )
        .where(F.col("created_date").isNotNull())
        .collect()
    )
    return sorted((row.asDict() for row in rows), key=lambda item: item["created_date"])


def _feedback_timeline(kept: DataFrame) -> Dict[str, Any]:
    rows = _counts(
        kept.where(F.col("created_date").isNotNull()),
        "created_date",
        "feedback_type",
        "feedback_name",
        "feedback_order",
    )
    types = sorted({(r["feedback_order"], r["feedback_type"], r["feedback_name"]) for r in rows})
    per_day: Dict[date, Dict[str, int]] = {}
    for row in rows:
        per_day.setdefault(row["created_date"], {})[row["feedback_type"]] = row["tweets"]
    days = [{"created_date": day, **counts} for day, counts in sorted(per_day.items())]
    names = [name for _, name, _ in types]
    timeline = bucket_timeline(days, sums=names)
    timeline["types"] = [{"type": name, "name": label} for _, name, label in types]
    return timeline


def hashtag_uses(spark: SparkSession, db: str, kept: DataFrame) -> DataFrame:
    """One row per kept tweet x hashtag: (hashtag, created_date)."""
    return (
        spark.table(f"{db}.bridge_tweet_hashtags")
        .join(kept.select("tweet_id", "created_date"), on=["tweet_id", "created_date"], how="left_semi")
        .join(
            F.broadcast(spark.table(f"{db}.dim_hashtags").select("hashtag_key", "hashtag")),
            on="hashtag_key",
            how="inner",
        )
        .select("hashtag", "created_date")
    )


def hashtag_growth(
    uses: DataFrame,
    *,
    current: Tuple[date, date],
    previous: Tuple[date, date],
    min_mentions: int,
) -> DataFrame:
    """Per hashtag: uses in the current and the previous period and the growth between them.

    Output: hashtag, current, previous, growth ((current - previous) / previous; null when the
    hashtag is new, i.e. unused in the previous period). Hashtags used fewer than ``min_mentions``
    times in both periods together are left out: at such counts growth is noise.
    """

    def within(period: Tuple[date, date]) -> Column:
        return F.col("created_date").between(F.lit(period[0]), F.lit(period[1]))

    return (
        uses.where(F.col("hashtag").isNotNull())
        .groupBy("hashtag")
        .agg(
            F.count(F.when(within(current), 1)).alias("current"),
            F.count(F.when(within(previous), 1)).alias("previous"),
        )
        .where((F.col("current") + F.col("previous")) >= min_mentions)
        .select(
            "hashtag",
            "current",
            "previous",
            F.when(F.col("previous") > 0, (F.col("current") - F.col("previous")) / F.col("previous")).alias(
                "growth"
            ),
        )
    )


def _trending(uses: DataFrame, summary: Dict[str, Any], options: ReportOptions) -> Dict[str, Any]:
    windows = trend_windows(summary["first_date"], summary["last_date"], options.trend_days)
    if windows is None:
        return {"period_days": 0, "items": []}
    current, previous, days = windows
    growth = hashtag_growth(uses, current=current, previous=previous, min_mentions=options.min_trend_mentions)
    # New hashtags first (growth null), then by growth, then by volume: what is taking off.
    rows = (
        growth.orderBy(F.col("growth").desc_nulls_first(), F.desc("current"), F.asc("hashtag"))
        .limit(options.top)
        .collect()
    )
    asked = options.trend_days
    return {
        "period_days": days,
        # --trend-days asked for more than the data covers: the card says it was cut to period_days.
        "requested_days": asked if asked and asked != days else None,
        "current": [current[0].isoformat(), current[1].isoformat()],
        "previous": [previous[0].isoformat(), previous[1].isoformat()],
        "items": [row.asDict() for row in rows],
    }


def aspect_sentiment(spark: SparkSession, db: str, kept: DataFrame) -> List[Dict[str, Any]]:
    """Per aspect: tweets, sentiment counts, average and net sentiment, and a count per reported
    feedback type (``complaints``: its :func:`~tweets_etl.taxonomy.plural`)."""
    tweets = kept.select("tweet_id", "created_date", "sentiment_label", "sentiment_score", "feedback_type")
    rows = (
        spark.table(f"{db}.bridge_tweet_aspects")
        .join(tweets, on=["tweet_id", "created_date"], how="inner")
        .join(
            F.broadcast(
                spark.table(f"{db}.dim_aspects").select("aspect_key", "aspect", "aspect_name", "sort_order")
            ),
            on="aspect_key",
            how="inner",
        )
        .groupBy("aspect", "aspect_name", "sort_order")
        .agg(
            F.count(F.lit(1)).alias("tweets"),
            F.avg("sentiment_score").alias("avg_sentiment"),
            *_label_counts(),
            *[
                F.count(F.when(F.col("feedback_type") == kind, 1)).alias(plural(kind))
                for kind in REPORTED_FEEDBACK_TYPES
            ],
        )
        .collect()
    )
    aspects = []
    for row in rows:
        item = row.asDict()
        item["net_sentiment"] = net_sentiment(item["positive"], item["negative"])
        aspects.append(item)
    return sorted(aspects, key=lambda item: (-item["tweets"], item["sort_order"] or 0))


def top_feedback(spark: SparkSession, db: str, per_aspect: int) -> List[Dict[str, Any]]:
    """Example tweets per aspect and top feedback type, from mart_top_feedback (no spam, no retweets)."""
    rows = (
        spark.table(f"{db}.mart_top_feedback")
        .where(F.col("feedback_rank") <= per_aspect)
        .select(
            "feedback_type",
            "aspect",
            "aspect_name",
            "feedback_rank",
            "tweet_id",
            "created_date",
            "text",
            "engagement_count",
            "sentiment_score",
        )
        .collect()
    )
    examples = [row.asDict() for row in rows]
    for item in examples:
        item["created_date"] = item["created_date"].isoformat() if item["created_date"] else None
    return sorted(examples, key=lambda item: (item["feedback_type"], item["aspect"], item["feedback_rank"]))


def to_json_ready(value: Any) -> Any:
    """Dates become ISO strings and non-finite floats None; everything else is already JSON-able."""
    if isinstance(value, dict):
        return {key: to_json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_ready(item) for item in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN; an average over nothing is "no value"
    return value
