"""with_sentiment and its column functions, against the pure scorer and hand-written expectations."""

from __future__ import annotations

from datetime import datetime

import pytest
from chispa import assert_column_equality, assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from tweets_etl.errors import ConfigError
from tweets_etl.io import seeds
from tweets_etl.sentiment import band, label, thresholds_for
from tweets_etl.sentiment.base import (
    DEFAULT_THRESHOLDS,
    PLAIN_VADER_THRESHOLDS,
    TRANSFORMER_THRESHOLDS,
)
from tweets_etl.sentiment.prepare import prepare_text
from tweets_etl.sentiment.vader import VaderScorer
from tweets_etl.transforms.sentiment import sentiment_band, sentiment_label, sentiment_text, with_sentiment

pytestmark = pytest.mark.spark

INPUT_SCHEMA = T.StructType(
    [T.StructField("tweet_id", T.StringType()), T.StructField("text", T.StringType())]
)
# (tweet_id, text, prepared text, label): the labels are what a reader would say.
ROWS = [
    ("1", "ChatGPT just wrote my whole Python script. This is a game changer 🤯", None, "positive"),
    (
        "2",
        "ChatGPT just wrote my whole Python script. This is a game changer 🤯",
        None,
        "positive",
    ),  # retweet
    (
        "3",
        "@OpenAI ChatGPT is at capacity AGAIN https://t.co/abc",
        "@user ChatGPT is at capacity AGAIN http",
        "negative",
    ),
    (
        "4",
        "@sama ChatGPT is at capacity AGAIN https://t.co/xyz",
        "@user ChatGPT is at capacity AGAIN http",
        "negative",
    ),
    ("5", "It keeps hallucinating citations that do not exist", None, "negative"),
    ("6", "OpenAI please add a way to export chats", None, "neutral"),
    ("7", "@OpenAI https://t.co/q", "@user http", "unscored"),
    ("8", None, None, "unscored"),
    ("9", "", "", "unscored"),
]


@pytest.fixture(scope="module")
def tweets(spark):
    return spark.createDataFrame([(tweet_id, text) for tweet_id, text, _, _ in ROWS], INPUT_SCHEMA)


def test_with_sentiment_scores_every_row_and_keeps_the_grain(spark, tweets):
    scorer = VaderScorer()
    expected_rows = []
    for tweet_id, text, prepared, expected_label in ROWS:
        prepared = prepared if prepared is not None else (None if text is None else prepare_text(text))
        score = None if text is None else scorer.score(text)
        assert label(None if score is None else score.compound) == expected_label, text
        values = (None, None, None, None) if score is None else tuple(score)
        expected_rows.append(
            (
                tweet_id,
                text,
                prepared,
                *values,
                expected_label,
                band(None if score is None else score.compound),
            )
        )
    expected = spark.createDataFrame(
        expected_rows,
        "tweet_id string, text string, sentiment_text string, sentiment_compound double, "
        "sentiment_positive double, sentiment_neutral double, sentiment_negative double, "
        "sentiment_label string, sentiment_band string",
    )
    actual = with_sentiment(tweets)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_sentiment_text_can_be_left_out(tweets):
    columns = with_sentiment(tweets, keep_text=False).columns
    assert "sentiment_text" not in columns
    assert columns[:2] == ["tweet_id", "text"] and columns[-1] == "sentiment_band"


def test_native_preparation_matches_the_python_one(spark):
    texts = [
        "@OpenAI  is\u00a0ChatGPT\u2028down?\n\nhttps://t.co/abc",
        "Glued>>https://t.co/x. and mail bob@example.com",
        "\ttabs\x1cand\u3000ideographic spaces  ",
        "@a @b_c: hi",
        "",
        None,
    ]
    df = spark.createDataFrame(
        [(text, None if text is None else prepare_text(text)) for text in texts],
        "text string, expected string",
    ).withColumn("actual", sentiment_text(F.col("text")))
    assert_column_equality(df, "actual", "expected")


@pytest.mark.parametrize("thresholds", [DEFAULT_THRESHOLDS, PLAIN_VADER_THRESHOLDS, TRANSFORMER_THRESHOLDS])
def test_native_label_and_band_match_the_pure_functions_at_every_boundary(spark, thresholds):
    edges = [
        thresholds.very_negative_at_most,
        thresholds.negative_at_most,
        thresholds.positive_at_least,
        thresholds.very_positive_at_least,
    ]
    compounds = [None, -1.0, 0.0, 1.0] + [edge + step for edge in edges for step in (-0.0001, 0.0, 0.0001)]
    df = spark.createDataFrame(
        [(value, label(value, thresholds), band(value, thresholds)) for value in compounds],
        "compound double, expected_label string, expected_band string",
    )
    df = df.withColumn("label", sentiment_label(F.col("compound"), thresholds)).withColumn(
        "band", sentiment_band(F.col("compound"), thresholds)
    )
    assert_column_equality(df, "label", "expected_label")
    assert_column_equality(df, "band", "expected_band")


# Plain VADER scores this +0.3182 ("please"): positive at its own +-0.05, neutral at VADER's +0.40.
PLEASE = "OpenAI please add a way to export chats"


def test_with_sentiment_labels_at_the_backends_thresholds(spark):
    df = spark.createDataFrame([("1", PLEASE)], INPUT_SCHEMA)
    by_backend = {
        backend: with_sentiment(df, backend=backend).select("sentiment_label", "sentiment_band").first()
        for backend in ("vader", "plain-vader")
    }
    assert tuple(by_backend["vader"]) == ("neutral", "neutral")
    assert tuple(by_backend["plain-vader"]) == ("positive", "positive")


def test_enrichment_labels_at_the_backends_thresholds(spark, shipped_taxonomy):
    from tweets_etl.transforms.enrich import judge_tweets

    now = datetime(2023, 2, 1, 12, 0, 0)
    df = spark.createDataFrame(
        [("1", PLEASE, [], [], [], "a1", now, datetime(2020, 1, 1), 900)],
        "tweet_id string, text string, hashtags array<string>, mentions array<string>, urls array<string>, "
        "author_id string, created_at timestamp, author_created_at timestamp, author_tweet_count bigint",
    )
    judged = judge_tweets(df, taxonomy=shipped_taxonomy, backend="plain-vader").first()
    assert (judged.sentiment_label, judged.sentiment_band) == ("positive", "positive")


def test_dim_sentiments_publishes_the_backends_ranges(spark):
    rows = seeds.sentiment_bands(spark, thresholds_for("transformer")).orderBy("sort_order").collect()
    assert [(row.sentiment_band, row.sentiment_label, row.compound_range) for row in rows] == [
        ("very_negative", "negative", "[-1.00, -0.80]"),
        ("negative", "negative", "(-0.80, -0.50]"),
        ("neutral", "neutral", "(-0.50, 0.50)"),
        ("positive", "positive", "[0.50, 0.80)"),
        ("very_positive", "positive", "[0.80, 1.00]"),
        ("unscored", "unscored", "no scorable text"),
    ]
    default = seeds.sentiment_bands(spark).orderBy("sort_order").collect()
    assert [row.compound_range for row in default][1:4] == ["(-0.70, -0.05]", "(-0.05, 0.40)", "[0.40, 0.70)"]


def test_a_transformer_without_weights_fails_on_the_driver(tweets, tmp_path):
    with pytest.raises(ConfigError, match="sentiment"):
        with_sentiment(tweets, backend="transformer", model_path=str(tmp_path))
    with pytest.raises(ConfigError, match="choose one of"):
        with_sentiment(tweets, backend="textblob")
