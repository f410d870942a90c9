"""The few lines a person reads at the end of a run."""

from __future__ import annotations

from typing import List, Sequence

from pyspark.sql import functions as F

from tweets_etl.batch import RunResult
from tweets_etl.io.warehouse import Warehouse
from tweets_etl.marts import not_spam
from tweets_etl.reference_data import UNKNOWN_MEMBER
from tweets_etl.report.format import count, signed
from tweets_etl.report.periods import NOT_JUDGED_NAME
from tweets_etl.sentiment.base import LABEL_IDS_POSITIVE_FIRST, net_sentiment
from tweets_etl.tables import BRIDGE_TWEET_HASHTAGS, DIM_HASHTAGS, DIM_USERS, FCT_TWEETS, STG_TWEETS

SUMMARY_TABLES = (FCT_TWEETS, STG_TWEETS, DIM_USERS, DIM_HASHTAGS, BRIDGE_TWEET_HASHTAGS)
# What the summary calls tweets modelled without the enrich stage (on the dimensions' unknown member).
NOT_JUDGED_TEXT = NOT_JUDGED_NAME.lower()


def run_summary(result: RunResult, warehouse: Warehouse) -> List[str]:
    seconds = (result.finished_at - result.started_at).total_seconds()
    stages = ", ".join(f"{name} {secs:.1f}s" for name, secs in result.stage_seconds.items())
    lines = [f"batch {result.batch_id} {result.status} in {seconds:.1f}s ({stages})"]
    counts = result.counts
    if result.is_reconciled is not None:
        mark = "reconciled" if result.is_reconciled else "NOT RECONCILED"
        lines.append(
            f"  raw records {count(counts.get('raw_records', 0))} = staged {count(counts.get('staged', 0))}"
            f" + duplicates {count(counts.get('duplicates', 0))} + rejects {count(counts.get('rejects', 0))}: {mark}"
        )
    if result.rejects_by_reason:
        lines.append(
            "  rejects: " + ", ".join(f"{k} {count(v)}" for k, v in result.rejects_by_reason.items())
        )
    if result.checks:
        failed = [c.check_name for c in result.checks if not c.passed]
        lines.append(f"  quality gates: {len(result.checks) - len(failed)} passed, {len(failed)} failed")
        lines.extend(f"    failed: {name}" for name in failed)
    if not warehouse.exists(FCT_TWEETS.name):
        return lines
    sizes = " · ".join(
        f"{t.name} {count(warehouse.count(t))}" for t in SUMMARY_TABLES if warehouse.exists(t.name)
    )
    lines.append(f"  tables in {warehouse.db}: {sizes}")
    # Spam left out, as on every line below and on the dashboard: promo tweets are mostly hashtags.
    kept = warehouse.read(FCT_TWEETS).where(not_spam())
    top = (
        warehouse.read(BRIDGE_TWEET_HASHTAGS)
        .join(kept.select("tweet_id", "created_date"), on=["tweet_id", "created_date"], how="left_semi")
        .groupBy("hashtag_key")
        .count()
        .join(warehouse.read(DIM_HASHTAGS), on="hashtag_key", how="inner")
        .orderBy(F.desc("count"), "hashtag")
        .limit(5)
        .collect()
    )
    if top:
        lines.append(
            "  top hashtags (no spam): " + " · ".join(f"#{r['hashtag']} {count(r['count'])}" for r in top)
        )
    lines.extend(_what_people_say(warehouse))
    per_day = (
        warehouse.read(FCT_TWEETS)
        .groupBy("created_date")
        .count()
        .orderBy(F.desc("created_date"))
        .limit(7)
        .collect()
    )
    if per_day:
        days = " · ".join(f"{r['created_date']:%m-%d} {count(r['count'])}" for r in reversed(per_day))
        lines.append(f"  tweets per day (latest 7): {days}")
    return lines


def whole_percents(counts: Sequence[int]) -> List[int]:
    """Whole percentages of ``counts`` that add up to 100: rounded one by one, 26.6/50.5/22.9 read
    27/51/23, a 101% a reader stops at. The points rounding drops go to the largest remainders."""
    total = sum(counts)
    if not total:
        return [0] * len(counts)
    exact = [100 * n / total for n in counts]
    percents = [int(share) for share in exact]
    by_remainder = sorted(range(len(counts)), key=lambda i: exact[i] - percents[i], reverse=True)
    for i in by_remainder[: 100 - sum(percents)]:
        percents[i] += 1
    return percents


def _what_people_say(warehouse: Warehouse) -> List[str]:
    """Sentiment, feedback and aspect totals from the marts (spam left out, and counted)."""
    if not warehouse.exists("mart_daily_sentiment"):
        return []
    mart = warehouse.spark.table(warehouse.name("mart_daily_sentiment"))
    labels = LABEL_IDS_POSITIVE_FIRST
    totals = mart.agg(
        *[F.sum(f"{label}_tweets").alias(label) for label in labels],
        F.sum("tweets").alias("tweets"),
        F.sum("spam_tweets_excluded").alias("spam"),
    ).first()
    if not totals or not totals["tweets"]:
        return []
    counts = {label: totals[label] or 0 for label in labels}
    # Tweets modelled without the enrich stage sit on dim_sentiments' unknown member, in no label.
    counts[NOT_JUDGED_TEXT] = totals["tweets"] - sum(counts.values())
    percents = dict(zip(counts, whole_percents(list(counts.values()))))
    share = " · ".join(f"{label} {percents[label]}%" for label, n in counts.items() if n or label in labels)
    net = net_sentiment(counts["positive"], counts["negative"])
    lines = [f"  sentiment: {share} · net {signed(net)} (spam flagged and left out: {count(totals['spam'])})"]
    feedback = (
        warehouse.spark.table(warehouse.name("mart_feedback_daily"))
        .groupBy("feedback_type")
        .agg(F.sum("tweets").alias("tweets"))
        .orderBy(F.desc("tweets"))
        .collect()
    )
    lines.append(
        "  feedback: "
        + " · ".join(f"{_feedback_name(r['feedback_type'])} {count(r['tweets'])}" for r in feedback)
    )
    aspects = (
        warehouse.spark.table(warehouse.name("mart_aspect_sentiment"))
        .orderBy(F.desc("tweets"))
        .limit(5)
        .collect()
    )
    if aspects:
        lines.append(
            "  top aspects (net sentiment): "
            + " · ".join(
                f"{r['aspect']} {count(r['tweets'])} ({signed(r['net_sentiment'])})" for r in aspects
            )
        )
    return lines


def _feedback_name(feedback_type: str) -> str:
    return NOT_JUDGED_TEXT if feedback_type == UNKNOWN_MEMBER else feedback_type
