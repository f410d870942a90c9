"""Time buckets for the dashboard's charts and the two periods trending hashtags are compared over.

Pure Python on small, already aggregated rows (one per day), so it is tested without Spark.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Dict, Optional, Sequence, Tuple

from tweets_etl.reference_data import UNKNOWN_MEMBER
from tweets_etl.sentiment.base import LABEL_IDS_POSITIVE_FIRST, net_sentiment

# Tweets on dim_sentiments' unknown member are not judged yet (loaded without the enrich stage, or
# their judgement is missing). The dashboard counts them on their own, never as unscored (nothing to
# score) or neutral, so the share of tweets still waiting for a judgement shows.
NOT_JUDGED_NAME = "Not yet judged"
# The sentiment_label values the dashboard counts tweets by, in the order its sentiment share lists them.
DASHBOARD_LABELS = (*LABEL_IDS_POSITIVE_FIRST, UNKNOWN_MEMBER)
DAILY_SUMS = ("tweets", "retweets", "sentiment_sum", "scored", *DASHBOARD_LABELS)
MAX_DAILY_BUCKETS = 92  # about a quarter: beyond that, columns get too thin to read on a laptop
MAX_WEEKLY_BUCKETS = 104


def grain_for(days: int) -> str:
    if days <= MAX_DAILY_BUCKETS:
        return "day"
    return "week" if days <= MAX_WEEKLY_BUCKETS * 7 else "month"


def bucket_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if grain == "month":
        return day.replace(day=1)
    return day


def _next(start: date, grain: str) -> date:
    if grain == "week":
        return start + timedelta(days=7)
    if grain == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def bucket_label(start: date, grain: str) -> str:
    return start.strftime("%b %Y") if grain == "month" else start.strftime("%b %d")


def bucket_timeline(days: Sequence[Dict[str, Any]], *, sums: Sequence[str] = DAILY_SUMS) -> Dict[str, Any]:
    """Sum daily rows (``created_date`` plus the ``sums`` columns) into days, weeks or months.

    Every bucket between the first and the last day is present, empty ones with zeros, so gaps in
    the data show as gaps in the chart. When the rows carry sentiment counts, each bucket also gets
    ``avg_sentiment`` and ``net_sentiment`` ((positive - negative) / (positive + negative)).
    """
    dated = [row for row in days if row.get("created_date") is not None]
    if not dated:
        return {"grain": "day", "buckets": []}
    first = min(row["created_date"] for row in dated)
    last = max(row["created_date"] for row in dated)
    grain = grain_for((last - first).days + 1)
    totals: Dict[date, Dict[str, float]] = {}
    start = bucket_start(first, grain)
    while start <= last:
        totals[start] = {name: 0 for name in sums}
        start = _next(start, grain)
    for row in dated:
        bucket = totals[bucket_start(row["created_date"], grain)]
        for name in sums:
            bucket[name] += row.get(name) or 0
    buckets = []
    for start, values in totals.items():
        item: Dict[str, Any] = {"start": start.isoformat(), "label": bucket_label(start, grain), **values}
        if "sentiment_sum" in values:
            item["avg_sentiment"] = values["sentiment_sum"] / values["scored"] if values["scored"] else None
        if "positive" in values:
            item["net_sentiment"] = net_sentiment(values["positive"], values["negative"])
        buckets.append(item)
    return {"grain": grain, "buckets": buckets}


def trend_windows(
    first: Optional[str], last: Optional[str], days: Optional[int] = None
) -> Optional[Tuple[Tuple[date, date], Tuple[date, date], int]]:
    """The latest ``days`` days and the ``days`` before them, as inclusive (start, end) dates.

    Default length: 7 days, or half the covered days when the data spans fewer than 14. A ``days``
    longer than half the covered days is cut to that half: a previous period reaching back before
    the first day of data would hold fewer tweets than it should and make every hashtag look as if
    it were taking off. None when the data covers less than two days (there is nothing to compare).
    """
    if not first or not last:
        return None
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    span = (end - start).days + 1
    length = min(days if days else 7, span // 2)
    if length < 1 or span < 2:
        return None
    current = (end - timedelta(days=length - 1), end)
    previous = (end - timedelta(days=2 * length - 1), end - timedelta(days=length))
    return current, previous, length
