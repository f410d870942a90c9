"""Sentiment columns for tweets: the pipeline's one Python UDF, run once per distinct text.

Text is prepared natively (whitespace collapsed, mentions -> ``@user``, links -> ``http``: the same
patterns as :func:`tweets_etl.sentiment.prepare.prepare_text`), so retweets and replies that differ
only in whom they mention share one prepared text. Only the distinct prepared texts go through the
``pandas_udf`` that wraps the pure-Python scorer; the scores are joined back on the text. Label and
band are native ``when`` expressions over the compound score, built from the backend's thresholds
(:func:`~tweets_etl.sentiment.thresholds_for`), the ones the pure :func:`~tweets_etl.sentiment.label`
and :func:`~tweets_etl.sentiment.band` take.
"""

from __future__ import annotations

from typing import List, Optional

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from tweets_etl.sentiment import base, thresholds_for
from tweets_etl.sentiment.prepare import SPARK_STEPS
from tweets_etl.transforms.distinct import spread_distinct

SCORE_FIELDS = ("compound", "positive", "neutral", "negative")
SCORE_TYPE = T.StructType([T.StructField(name, T.DoubleType(), True) for name in SCORE_FIELDS])
# What score_columns adds; with_sentiment adds sentiment_text before them.
SCORE_COLUMNS = (
    "sentiment_compound",
    "sentiment_positive",
    "sentiment_neutral",
    "sentiment_negative",
    "sentiment_label",
    "sentiment_band",
)


def sentiment_text(text: Column) -> Column:
    """The text as tweet sentiment models expect it (null stays null)."""
    for pattern, replacement in SPARK_STEPS:
        text = F.regexp_replace(text, pattern, replacement)
    return F.trim(text)


def sentiment_label(compound: Column, thresholds: base.Thresholds = base.DEFAULT_THRESHOLDS) -> Column:
    """negative | neutral | positive from the compound score; ``unscored`` where it is null."""
    return (
        F.when(compound.isNull(), F.lit(base.UNSCORED))
        .when(compound >= F.lit(thresholds.positive_at_least), F.lit("positive"))
        .when(compound <= F.lit(thresholds.negative_at_most), F.lit("negative"))
        .otherwise(F.lit("neutral"))
    )


def sentiment_band(compound: Column, thresholds: base.Thresholds = base.DEFAULT_THRESHOLDS) -> Column:
    """very_negative .. very_positive from the compound score; ``unscored`` where it is null."""
    return (
        F.when(compound.isNull(), F.lit(base.UNSCORED))
        .when(compound >= F.lit(thresholds.very_positive_at_least), F.lit("very_positive"))
        .when(compound <= F.lit(thresholds.very_negative_at_most), F.lit("very_negative"))
        .otherwise(sentiment_label(compound, thresholds))
    )


def with_sentiment(
    df: DataFrame,
    *,
    text_col: str = "text",
    backend: str = "vader",
    model_path: Optional[str] = None,
    batch_size: int = 64,
    keep_text: bool = True,
) -> DataFrame:
    """Add sentiment to each row of ``df`` (same grain, same rows).

    Output: every input column, then ``sentiment_text`` (unless ``keep_text`` is False),
    ``sentiment_compound``, ``sentiment_positive``, ``sentiment_neutral``, ``sentiment_negative``
    (doubles, null when unscored), ``sentiment_label`` and ``sentiment_band`` (never null: a row with
    no scorable text, or no text at all, is ``unscored``), at the backend's thresholds.
    """
    prepared = df.withColumn("_sentiment_text", sentiment_text(F.col(text_col)))
    scored = score_distinct_texts(
        prepared, "_sentiment_text", backend=backend, model_path=model_path, batch_size=batch_size
    )
    result = prepared.join(scored, on="_sentiment_text", how="left").select(
        *[F.col(name) for name in df.columns],
        F.col("_sentiment_text").alias("sentiment_text"),
        *score_columns(F.col("_score"), thresholds_for(backend)),
    )
    return result if keep_text else result.drop("sentiment_text")


def score_distinct_texts(
    df: DataFrame, text_col: str, *, backend: str, model_path: Optional[str], batch_size: int
) -> DataFrame:
    """Each distinct ``text_col`` of ``df`` once, with its scores as the struct ``_score`` (null for
    a null text, which joins nothing).

    This is where "score each distinct text once" happens
    (:func:`~tweets_etl.transforms.distinct.spread_distinct`). No filter on nulls: pushed below an
    earlier distinct, it would run the text preparation on every row instead of every text.
    """
    from tweets_etl.sentiment import build_scorer

    # Built here, on the driver, so a wrong backend or missing weights fail before any task runs.
    scorer = build_scorer(backend, model_path=model_path, batch_size=batch_size)
    check = getattr(scorer, "check_installed", None)
    if check is not None:
        check()
    return spread_distinct(df, text_col).withColumn("_score", _score_udf(scorer)(F.col(text_col)))


def score_columns(score: Column, thresholds: base.Thresholds = base.DEFAULT_THRESHOLDS) -> List[Column]:
    """The sentiment columns from a ``_score`` struct (null when unscored), label and band included,
    at ``thresholds`` (those of the backend that scored it)."""
    compound = score.compound
    return [
        compound.alias("sentiment_compound"),
        score.positive.alias("sentiment_positive"),
        score.neutral.alias("sentiment_neutral"),
        score.negative.alias("sentiment_negative"),
        sentiment_label(compound, thresholds).alias("sentiment_label"),
        sentiment_band(compound, thresholds).alias("sentiment_band"),
    ]


def _score_udf(scorer):
    """A pandas UDF (texts -> score struct) closing over ``scorer``, which pickles in microseconds; the
    analyzer or model it needs is built once per executor process, on first use."""

    @F.pandas_udf(SCORE_TYPE)
    def score(texts: pd.Series) -> pd.DataFrame:
        scores = scorer.score_many([None if pd.isna(text) else text for text in texts])
        columns = {
            name: pd.Series([None if s is None else s[position] for s in scores], dtype="float64")
            for position, name in enumerate(SCORE_FIELDS)
        }
        return pd.DataFrame(columns)

    return score
