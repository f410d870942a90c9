"""with_sentiment and its column functions, against the pure scorer and hand-written expectations."""

from __future__ import annotations

import pytest
from chispa import assert_column_equality, assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from tweets_etl.errors import ConfigError
from tweets_etl.sentiment import band, label
from tweets_etl.sentiment.base import (
    NEGATIVE_AT_MOST,
    POSITIVE_AT_LEAST,
    VERY_NEGATIVE_AT_MOST,
    VERY_POSITIVE_AT_LEAST,
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


def test_native_label_and_band_match_the_pure_functions_at_every_boundary(spark):
    compounds = [None, -1.0, VERY_NEGATIVE_AT_MOST, VERY_NEGATIVE_AT_MOST + 0.0001, NEGATIVE_AT_MOST]
    compounds += [NEGATIVE_AT_MOST + 0.0001, 0.0, POSITIVE_AT_LEAST - 0.0001, POSITIVE_AT_LEAST]
    compounds += [VERY_POSITIVE_AT_LEAST - 0.0001, VERY_POSITIVE_AT_LEAST, 1.0]
    df = spark.createDataFrame(
        [(value, label(value), band(value)) for value in compounds],
        "compound double, expected_label string, expected_band string",
    )
    df = df.withColumn("label", sentiment_label(F.col("compound"))).withColumn(
        "band", sentiment_band(F.col("compound"))
    )
    assert_column_equality(df, "label", "expected_label")
    assert_column_equality(df, "band", "expected_band")


def test_a_transformer_without_weights_fails_on_the_driver(tweets, tmp_path):
    with pytest.raises(ConfigError, match="sentiment"):
        with_sentiment(tweets, backend="transformer", model_path=str(tmp_path))
    with pytest.raises(ConfigError, match="choose one of"):
        with_sentiment(tweets, backend="textblob")
