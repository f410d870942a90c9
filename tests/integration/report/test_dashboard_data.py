"""The dashboard's numbers against the warehouse, each checked by a second, independent route."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from chispa import assert_df_equality

from tests.integration.report.conftest import report_config
from tweets_etl.report.build import build_report
from tweets_etl.report.periods import trend_windows
from tweets_etl.report.queries import ReportOptions, dashboard_data, hashtag_growth, to_json_ready
from tweets_etl.report.session import NoWarehouseError

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def data(spark, report_warehouse) -> dict:
    return to_json_ready(dashboard_data(spark, report_warehouse.warehouse.database))


def scalar(spark, sql: str):
    return spark.sql(sql).first()[0]


def test_headline_numbers_match_the_fact_table_and_the_mart(spark, report_warehouse, data):
    db = report_warehouse.warehouse.database
    clean = f"FROM {db}.fct_tweets WHERE NOT COALESCE(is_spam, false)"
    summary = data["summary"]
    assert summary["tweets"] == scalar(spark, f"SELECT COUNT(*) {clean}") > 0
    assert (
        summary["spam_excluded"] == scalar(spark, f"SELECT COUNT(*) FROM {db}.fct_tweets WHERE is_spam") > 0
    )
    assert summary["retweets"] == scalar(spark, f"SELECT COUNT(*) {clean} AND is_retweet")
    assert summary["authors"] == scalar(spark, f"SELECT COUNT(DISTINCT user_key) {clean}")
    assert summary["avg_sentiment"] == pytest.approx(scalar(spark, f"SELECT AVG(sentiment_score) {clean}"))
    assert summary["avg_engagement_rate"] == pytest.approx(
        scalar(spark, f"SELECT AVG(engagement_rate) {clean}")
    )
    mart = f"{db}.mart_daily_sentiment"
    totals = spark.sql(
        f"SELECT SUM(tweets), SUM(spam_tweets_excluded), SUM(positive_tweets), SUM(negative_tweets) FROM {mart}"
    ).first()
    assert (summary["tweets"], summary["spam_excluded"], summary["positive"], summary["negative"]) == tuple(
        totals
    )
    days = spark.sql(f"SELECT MIN(created_date), MAX(created_date) FROM {mart} WHERE tweets > 0").first()
    assert (summary["first_date"], summary["last_date"]) == (days[0].isoformat(), days[1].isoformat())


def test_every_breakdown_accounts_for_every_tweet(data):
    tweets = data["summary"]["tweets"]
    for key in (
        "sentiment_share",
        "sentiment_bands",
        "devices",
        "operating_systems",
        "tweet_types",
        "languages",
        "hours",
    ):
        assert sum(item["tweets"] for item in data[key]) == tweets, key
    assert sum(bucket["tweets"] for bucket in data["timeline"]["buckets"]) == tweets
    types = [kind["type"] for kind in data["feedback_timeline"]["types"]]
    assert sum(bucket[t] for bucket in data["feedback_timeline"]["buckets"] for t in types) == tweets
    assert [b["band"] for b in data["sentiment_bands"]][:3] == ["very_negative", "negative", "neutral"]


def _clean_hashtag_uses(spark, db: str):
    return spark.sql(
        f"SELECT h.hashtag, b.created_date FROM {db}.bridge_tweet_hashtags b "
        f"JOIN {db}.dim_hashtags h ON h.hashtag_key = b.hashtag_key "
        f"JOIN {db}.fct_tweets f ON f.tweet_id = b.tweet_id AND f.created_date = b.created_date "
        "WHERE NOT COALESCE(f.is_spam, false)"
    ).collect()


def test_top_hashtags_are_the_most_used_ones(spark, report_warehouse, data):
    uses = Counter(row.hashtag for row in _clean_hashtag_uses(spark, report_warehouse.warehouse.database))
    expected = sorted(uses.items(), key=lambda item: (-item[1], item[0]))[:10]
    assert [(item["hashtag"], item["tweets"]) for item in data["top_hashtags"]] == expected


def test_trending_hashtags_compare_two_equal_periods(spark, report_warehouse, data):
    trend = data["trending_hashtags"]
    summary = data["summary"]
    current, previous, days = trend_windows(summary["first_date"], summary["last_date"])
    assert trend["period_days"] == days and trend["current"] == [d.isoformat() for d in current]
    now, before = Counter(), Counter()
    for row in _clean_hashtag_uses(spark, report_warehouse.warehouse.database):
        if current[0] <= row.created_date <= current[1]:
            now[row.hashtag] += 1
        elif previous[0] <= row.created_date <= previous[1]:
            before[row.hashtag] += 1
    expected = []
    for tag in set(now) | set(before):
        if now[tag] + before[tag] >= ReportOptions().min_trend_mentions:
            growth = (now[tag] - before[tag]) / before[tag] if before[tag] else None
            expected.append((tag, now[tag], before[tag], growth))
    expected.sort(key=lambda item: (item[3] is not None, -(item[3] or 0), -item[1], item[0]))
    got = [(i["hashtag"], i["current"], i["previous"], _rounded(i["growth"])) for i in trend["items"]]
    assert got == [(*item[:3], _rounded(item[3])) for item in expected[:10]]
    assert got and got[0][3] is None  # the sample has hashtags that are new in the last period


def _rounded(value):
    return None if value is None else round(value, 9)


def test_asked_trend_days_beyond_half_the_data_are_cut_to_it(spark, report_warehouse, data):
    days = data["summary"]["days"]
    options = ReportOptions(trend_days=days)  # the whole span against as many days before the data
    trend = to_json_ready(dashboard_data(spark, report_warehouse.warehouse.database, options))[
        "trending_hashtags"
    ]
    assert (trend["period_days"], trend["requested_days"]) == (days // 2, days)
    assert trend["previous"][0] >= data["summary"]["first_date"]
    assert all(item["previous"] > 0 or item["growth"] is None for item in trend["items"])
    assert data["trending_hashtags"]["requested_days"] is None


def test_aspects_agree_with_the_aspect_mart(spark, report_warehouse, data):
    mart = spark.table(f"{report_warehouse.warehouse.database}.mart_aspect_sentiment").collect()
    expected = {row.aspect: (row.tweets, row.positive_tweets, row.negative_tweets) for row in mart}
    assert {a["aspect"]: (a["tweets"], a["positive"], a["negative"]) for a in data["aspects"]} == expected
    assert all(
        a["complaints"] + a["suggestions"] + a["praises"] + a["questions"] <= a["tweets"]
        for a in data["aspects"]
    )


def test_feedback_examples_come_from_the_mart(data):
    examples = data["top_feedback"]
    assert examples and {e["feedback_type"] for e in examples} <= {"complaint", "suggestion"}
    assert all(1 <= e["feedback_rank"] <= ReportOptions().examples and e["text"] for e in examples)


def test_include_spam_keeps_every_tweet(spark, report_warehouse):
    db = report_warehouse.warehouse.database
    everything = dashboard_data(spark, db, ReportOptions(include_spam=True))
    assert everything["summary"]["tweets"] == scalar(spark, f"SELECT COUNT(*) FROM {db}.fct_tweets")
    assert everything["summary"]["spam_excluded"] == 0 and everything["include_spam"] is True


def test_hashtag_growth(spark):
    uses = spark.createDataFrame(
        [
            ("new", date(2024, 1, 4)),
            ("new", date(2024, 1, 4)),
            ("new", date(2024, 1, 3)),
            ("up", date(2024, 1, 1)),
            ("up", date(2024, 1, 3)),
            ("up", date(2024, 1, 4)),
            ("down", date(2024, 1, 1)),
            ("down", date(2024, 1, 2)),
            ("down", date(2024, 1, 4)),
            ("rare", date(2024, 1, 4)),
            ("old", date(2023, 12, 1)),
            ("old", date(2023, 12, 2)),
            ("old", date(2023, 12, 3)),
            (None, date(2024, 1, 4)),
            ("up", None),
        ],
        "hashtag string, created_date date",
    )
    growth = hashtag_growth(
        uses,
        current=(date(2024, 1, 3), date(2024, 1, 4)),
        previous=(date(2024, 1, 1), date(2024, 1, 2)),
        min_mentions=3,
    )
    expected = spark.createDataFrame(
        [("new", 3, 0, None), ("up", 2, 1, 1.0), ("down", 1, 2, -0.5)],
        "hashtag string, current bigint, previous bigint, growth double",
    )
    assert_df_equality(growth, expected, ignore_row_order=True, ignore_nullable=True)


def test_report_on_a_database_without_tweets_says_what_to_do(spark, spark_var_dir, tmp_path):
    config = report_config(spark_var_dir, database="it_report_never_loaded")
    with pytest.raises(
        NoWarehouseError, match=r"no star schema in database it_report_never_loaded.*tweets-etl run"
    ):
        build_report(spark, config, tmp_path)
    assert not list(tmp_path.iterdir())


def test_an_empty_star_schema_gives_an_empty_dashboard(spark, spark_var_dir, tmp_path):
    from tweets_etl.io.warehouse import Warehouse

    config = report_config(spark_var_dir, database="it_report_empty")
    Warehouse(spark, config.warehouse.database).ensure()  # every table, no rows
    try:
        files = build_report(spark, config, tmp_path)
    finally:
        spark.sql("DROP DATABASE IF EXISTS it_report_empty CASCADE")
    summary = files.data["summary"]
    assert (summary["tweets"], summary["spam_excluded"], summary["days"], summary["first_date"]) == (
        0,
        0,
        0,
        None,
    )
    assert files.data["timeline"]["buckets"] == [] and files.data["trending_hashtags"]["items"] == []
    assert "No data for this chart yet." in files.html.read_text(encoding="utf-8")


def test_tweets_loaded_without_the_enrich_stage_are_counted_as_not_judged_yet(spark, spark_var_dir, tmp_path):
    from tweets_etl.pipeline import run_pipeline
    from tweets_etl.sample.generator import SampleSpec, write_sample

    database = "it_report_not_judged"
    config = report_config(spark_var_dir, database=database)
    sample = tmp_path / "sample"
    write_sample(sample, SampleSpec(tweets=60, files=1, seed=7))
    try:
        run_pipeline(spark, config, inputs=[str(sample)], stages=["ingest", "stage", "model"])
        files = build_report(spark, config, tmp_path / "reports")
        unknown = scalar(
            spark,
            f"SELECT COUNT(*) FROM {database}.fct_tweets f JOIN {database}.dim_sentiments s "
            "ON s.sentiment_key = f.sentiment_key WHERE s.sentiment_label = 'unknown'",
        )
    finally:
        spark.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
    data = files.data
    summary = data["summary"]
    assert summary["unknown"] == summary["tweets"] == unknown == 60
    assert summary["unscored"] == summary["positive"] == 0 and summary["avg_sentiment"] is None
    assert {item["label"]: item["tweets"] for item in data["sentiment_share"]}["unknown"] == 60
    assert [(b["band"], b["name"], b["tweets"]) for b in data["sentiment_bands"]] == [
        ("unknown", "Not yet judged", 60)
    ]
    assert sum(bucket["unknown"] for bucket in data["timeline"]["buckets"]) == 60
    assert data["feedback_timeline"]["types"] == [{"type": "unknown", "name": "Not yet judged"}]
    assert "Not yet judged" in files.html.read_text(encoding="utf-8")
