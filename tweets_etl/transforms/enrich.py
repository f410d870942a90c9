"""Sentiment, aspects, feedback type and spam flags for staged tweets, judging each distinct text once.

Retweets carry their original's text, so a batch holds far fewer distinct texts than tweets (a
quarter of them in the benchmark's data, and fewer distinct sentiment texts still). What depends
on the text alone (the taxonomy's regexes, the link and word checks, the sentiment score) is
computed once per distinct text and joined back; only what depends on the tweet itself (its
entities, its author, how often that author repeated the text) is computed per row.

The result is the same, row for row, as :func:`~tweets_etl.transforms.sentiment.with_sentiment`
then :func:`~tweets_etl.transforms.classify.with_aspects`, ``with_feedback_type`` and
``with_spam_flags`` (the functions a notebook uses on a handful of rows); a test holds them to it.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from tweets_etl.taxonomy import Taxonomy
from tweets_etl.transforms import classify
from tweets_etl.transforms.sentiment import (
    SCORE_COLUMNS,
    score_columns,
    score_distinct_texts,
    sentiment_text,
)

# What judging reads from each tweet besides its text.
TWEET_COLUMNS = ("tweet_id", "urls", *classify.SPAM_INPUT_COLUMNS)
JUDGEMENT_COLUMNS = (*SCORE_COLUMNS, "feedback_type", "aspects", "spam_reasons", "is_spam")
_TEXT = "_judged_text"


def judge_tweets(
    df: DataFrame,
    *,
    taxonomy: Taxonomy,
    backend: str = "vader",
    model_path: Optional[str] = None,
    batch_size: int = 64,
    text_col: str = "text",
    carry: Sequence[str] = (),
) -> DataFrame:
    """``tweet_id``, the :data:`JUDGEMENT_COLUMNS` and the ``carry`` columns of ``df``, for every
    row of ``df`` (same grain, nothing filtered out).

    ``df`` needs ``text_col`` and the :data:`TWEET_COLUMNS`. ``repeated_text`` counts within ``df``.
    """
    texts = judge_texts(
        df.select(F.col(text_col).alias(_TEXT)).distinct(),
        taxonomy=taxonomy,
        backend=backend,
        model_path=model_path,
        batch_size=batch_size,
    )
    # Null-safe: a tweet without text still finds its (empty) judgement.
    carried = [name for name in carry if name not in (text_col, *TWEET_COLUMNS)]
    tweets = df.select(text_col, *TWEET_COLUMNS, *carried).join(
        texts, F.col(text_col).eqNullSafe(F.col(_TEXT)), how="left"
    )
    has_link = classify.has_link(tweets, F.col("_link_in_text"))
    feedback_type = classify.feedback_type_column(
        taxonomy,
        cues={type_id: F.col(f"_cue_{type_id}") for type_id in _cue_ids(taxonomy)},
        sentiment_label=F.col("sentiment_label"),
        has_aspect=F.size("aspects") > 0,
        has_link=has_link,
    )
    spam_reasons = classify.spam_reasons_column(
        tweets,
        taxonomy,
        has_link=has_link,
        no_words=F.col("_no_words"),
        repeat_key=F.col("_repeat_key"),
        has_promo_terms=F.col("_promo_terms"),
    )
    return tweets.select(
        "tweet_id",
        *SCORE_COLUMNS,
        feedback_type.alias("feedback_type"),
        "aspects",
        spam_reasons.alias("spam_reasons"),
        (F.size(spam_reasons) > 0).alias("is_spam"),
        *carry,
    )


def judge_texts(
    texts: DataFrame, *, taxonomy: Taxonomy, backend: str, model_path: Optional[str], batch_size: int
) -> DataFrame:
    """One row per distinct text: its sentiment, aspects, feedback cues and the spam checks on words."""
    with_text = texts.select(
        _TEXT,
        sentiment_text(F.col(_TEXT)).alias("_sentiment_text"),
        classify.classify_text(F.col(_TEXT)).alias("_classify_text"),
    )
    text = F.col("_classify_text")
    features = with_text.select(
        _TEXT,
        "_sentiment_text",
        classify.aspects_column(text, taxonomy).alias("aspects"),
        *[cue.alias(f"_cue_{type_id}") for type_id, cue in classify.cue_columns(text, taxonomy).items()],
        classify.link_in_text(F.col(_TEXT)).alias("_link_in_text"),
        classify.no_words_besides_links(F.col(_TEXT)).alias("_no_words"),
        classify.repeat_key(text).alias("_repeat_key"),
        text.rlike(taxonomy.spam.promo.pattern).alias("_promo_terms"),
    )
    # Distinct sentiment texts are fewer still (mentions and links are normalised away): scored once.
    scores = score_distinct_texts(
        features, "_sentiment_text", backend=backend, model_path=model_path, batch_size=batch_size
    )
    # Null-safe, so the optimizer infers no "text is not null" filter: pushed below the distinct,
    # such a filter would prepare the sentiment text of every tweet rather than every distinct text.
    scores = scores.withColumnRenamed("_sentiment_text", "_scored_text")
    matched = F.col("_sentiment_text").eqNullSafe(F.col("_scored_text"))
    return features.join(scores, matched, how="left").select(
        *[name for name in features.columns if name != "_sentiment_text"],
        *score_columns(F.col("_score")),
    )


def _cue_ids(taxonomy: Taxonomy) -> List[str]:
    return [item.id for item in taxonomy.feedback_types if item.cues]
