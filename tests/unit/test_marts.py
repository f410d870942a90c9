"""The warehouse's views: what they read, how they are created, and the comment each carries."""

from __future__ import annotations

import re

import pytest

from tweets_etl.io.warehouse import WAREHOUSE_VIEWS, create_view_sql
from tweets_etl.marts import MARTS, not_spam, not_spam_sql, sql_in, sql_string
from tweets_etl.report.bi_views import BI_VIEWS
from tweets_etl.sentiment.base import LABEL_IDS, LABEL_IDS_POSITIVE_FIRST, SENTIMENT_LABELS, net_sentiment
from tweets_etl.tables import TABLES


def test_every_warehouse_view_reads_only_qualified_tables_and_views_created_before_it():
    known = set(TABLES)
    for view in WAREHOUSE_VIEWS:
        statement = create_view_sql("sales_db", view)
        assert statement.startswith(f"CREATE OR REPLACE VIEW sales_db.{view.name} COMMENT '"), view.name
        sources = re.findall(r"\b(?:FROM|JOIN)\s+([\w.]+)", statement)
        assert sources and all(source.startswith("sales_db.") for source in sources), view.name
        assert {source.split(".", 1)[1] for source in sources} <= known, view.name
        known.add(view.name)


def test_every_view_has_a_comment_and_the_marts_are_the_documented_ones():
    assert all(view.comment and "'" not in view.comment for view in WAREHOUSE_VIEWS)
    assert [view.name for view in WAREHOUSE_VIEWS] == [
        "raw_tweets",
        "raw_rejects",
        *[view.name for view in MARTS],
    ]
    assert [view.name for view in MARTS] == [
        "mart_daily_sentiment",
        "mart_aspect_sentiment",
        "mart_feedback_daily",
        "mart_top_feedback",
    ]


def test_sql_strings_escape_quotes_and_backslashes():
    assert sql_string("it's") == r"'it\'s'"
    assert sql_string("a\\b") == r"'a\\b'"
    assert sql_string("") == "''"
    assert sql_in(["it's", "b"]) == r"('it\'s', 'b')"


def test_the_top_feedback_mart_and_its_bi_view_rank_complaints_and_suggestions():
    mart = next(view for view in MARTS if view.name == "mart_top_feedback")
    assert "WHERE e.feedback_type IN ('complaint', 'suggestion') AND" in mart.sql
    assert mart.comment.startswith("The five most engaging complaints and suggestions per aspect")
    bi_view = next(view for view in BI_VIEWS if view.name == "v_top_feedback")
    assert bi_view.comment.startswith("The most engaging complaints and suggestions per aspect")


def test_both_label_orders_hold_the_label_ids_of_dim_sentiments():
    assert tuple(member.id for member in SENTIMENT_LABELS) == LABEL_IDS
    assert LABEL_IDS == ("negative", "neutral", "positive", "unscored")
    assert sorted(LABEL_IDS_POSITIVE_FIRST) == sorted(LABEL_IDS)
    assert LABEL_IDS_POSITIVE_FIRST[0] == "positive"


@pytest.mark.parametrize(
    ("positive", "negative", "net"), [(3, 1, 0.5), (0, 2, -1.0), (5, 5, 0.0), (0, 0, None)]
)
def test_net_sentiment_is_none_without_positive_or_negative_tweets(positive, negative, net):
    assert net_sentiment(positive, negative) == net


@pytest.mark.parametrize("name", ["mart_daily_sentiment", "mart_aspect_sentiment"])
def test_sentiment_marts_publish_their_label_columns_positive_first_then_net_sentiment(name):
    sql = next(view.sql for view in MARTS if view.name == name)
    aliases = re.findall(r"AS (\w+_tweets|net_sentiment)\b", sql)
    labels = [alias for alias in aliases if alias not in ("net_sentiment", "spam_tweets_excluded")]
    assert labels == [f"{label}_tweets" for label in LABEL_IDS_POSITIVE_FIRST]
    assert aliases.index("net_sentiment") == aliases.index("unscored_tweets") + 1


@pytest.mark.spark
def test_spam_is_one_rule_in_sql_and_in_columns(spark):
    df = spark.createDataFrame([("1", True), ("2", False), ("3", None)], "tweet_id string, is_spam boolean")
    by_column = sorted(row.tweet_id for row in df.where(not_spam()).collect())
    df.createOrReplaceTempView("spam_rule")
    try:
        kept = spark.sql(f"SELECT tweet_id FROM spam_rule WHERE {not_spam_sql('spam_rule')}").collect()
    finally:
        spark.catalog.dropTempView("spam_rule")
    assert by_column == sorted(row.tweet_id for row in kept) == ["2", "3"]
