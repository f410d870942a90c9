"""Time buckets and trend windows: gaps stay visible, sums are preserved, periods are adjacent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tweets_etl.report.periods import bucket_timeline, trend_windows


def day_row(
    day: date, tweets: int = 1, positive: int = 0, negative: int = 0, sentiment_sum: float = 0.0
) -> dict:
    return {
        "created_date": day,
        "tweets": tweets,
        "retweets": 0,
        "sentiment_sum": sentiment_sum,
        "scored": tweets,
        "positive": positive,
        "neutral": tweets - positive - negative,
        "negative": negative,
        "unscored": 0,
    }


def test_daily_buckets_fill_missing_days_with_zeros_and_derive_sentiment():
    rows = [
        day_row(date(2024, 1, 1), 4, positive=3, negative=1, sentiment_sum=1.2),
        day_row(date(2024, 1, 3), 2),
    ]
    timeline = bucket_timeline([*rows, {"created_date": None, "tweets": 99}])
    assert timeline["grain"] == "day"
    assert [(b["start"], b["label"], b["tweets"]) for b in timeline["buckets"]] == [
        ("2024-01-01", "Jan 01", 4),
        ("2024-01-02", "Jan 02", 0),
        ("2024-01-03", "Jan 03", 2),
    ]
    first, gap, last = timeline["buckets"]
    assert first["net_sentiment"] == pytest.approx(0.5) and first["avg_sentiment"] == pytest.approx(0.3)
    assert gap["net_sentiment"] is None and gap["avg_sentiment"] is None  # nothing to average: no value
    assert last["net_sentiment"] is None and last["avg_sentiment"] == 0


def test_long_ranges_become_monday_weeks_and_keep_every_tweet():
    start = date(2024, 1, 3)  # a Wednesday
    rows = [day_row(start + timedelta(days=n), tweets=n % 5, positive=n % 5) for n in range(120)]
    timeline = bucket_timeline(rows)
    assert timeline["grain"] == "week"
    starts = [date.fromisoformat(b["start"]) for b in timeline["buckets"]]
    assert all(s.weekday() == 0 for s in starts) and starts[0] == date(2024, 1, 1)
    assert sum(b["tweets"] for b in timeline["buckets"]) == sum(r["tweets"] for r in rows)


def test_years_become_months():
    rows = [day_row(date(2021, 12, 31)), day_row(date(2024, 3, 1), tweets=5)]
    timeline = bucket_timeline(rows)
    assert timeline["grain"] == "month"
    assert timeline["buckets"][0]["start"] == "2021-12-01" and timeline["buckets"][0]["label"] == "Dec 2021"
    assert timeline["buckets"][-1]["start"] == "2024-03-01" and len(timeline["buckets"]) == 28


def test_custom_sums_carry_no_sentiment_fields():
    timeline = bucket_timeline(
        [{"created_date": date(2024, 1, 1), "praise": 2}], sums=("praise", "complaint")
    )
    assert timeline["buckets"] == [{"start": "2024-01-01", "label": "Jan 01", "praise": 2, "complaint": 0}]


def test_no_rows_no_buckets():
    assert bucket_timeline([]) == {"grain": "day", "buckets": []}


@pytest.mark.parametrize(
    ("first", "last", "days", "current", "previous", "length"),
    [
        ("2022-12-01", "2022-12-10", None, ("2022-12-06", "2022-12-10"), ("2022-12-01", "2022-12-05"), 5),
        ("2024-01-01", "2024-03-01", None, ("2024-02-24", "2024-03-01"), ("2024-02-17", "2024-02-23"), 7),
        ("2024-01-01", "2024-01-02", None, ("2024-01-02", "2024-01-02"), ("2024-01-01", "2024-01-01"), 1),
        ("2024-01-01", "2024-03-01", 3, ("2024-02-28", "2024-03-01"), ("2024-02-25", "2024-02-27"), 3),
    ],
)
def test_trend_windows_are_the_latest_days_and_the_same_number_before(
    first, last, days, current, previous, length
):
    windows = trend_windows(first, last, days)
    assert windows is not None
    got_current, got_previous, got_length = windows
    assert tuple(d.isoformat() for d in got_current) == current
    assert tuple(d.isoformat() for d in got_previous) == previous
    assert got_length == length


@pytest.mark.parametrize(("first", "last"), [(None, None), ("2024-01-01", "2024-01-01")])
def test_no_trend_without_two_days(first, last):
    assert trend_windows(first, last) is None
    assert trend_windows(first, last, 3) is None


@pytest.mark.parametrize(("days", "length"), [(3, 3), (5, 3), (30, 3)])
def test_asked_trend_days_never_reach_before_the_first_day(days, length):
    # 7 days of data: 3 against 3 at most; 5 against 5 would count days 0 and -1 as "before".
    current, previous, got = trend_windows("2024-01-01", "2024-01-07", days)
    assert got == length
    assert previous[0] >= date(2024, 1, 1) and previous[1] < current[0]
    assert (current[1] - current[0]).days == (previous[1] - previous[0]).days == length - 1
