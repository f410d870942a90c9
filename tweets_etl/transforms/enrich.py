"""Sentiment, aspects, feedback type and spam flags for staged tweets, judging each distinct text once.

Retweets carry their original's text, so a batch holds far fewer distinct texts than tweets (a
quarter of them in the benchmark's data). What depends on the text alone is computed once per
distinct text, or coarser still (:func:`judge_texts`), and joined back to the tweets on a
fingerprint of the text; only what depends on the tweet itself (its entities, its author, how
often that author repeated the text) is computed per row.

The result is the same, row for row, as :func:`~tweets_etl.transforms.sentiment.with_sentiment`
then :func:`~tweets_etl.transforms.classify.with_aspects`, ``with_feedback_type`` and
``with_spam_flags`` (the functions a notebook uses on a handful of rows); a test holds them to it.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from tweets_etl.sentiment import thresholds_for
from tweets_etl.taxonomy import Taxonomy
from tweets_etl.transforms import classify
from tweets_etl.transforms.distinct import spread_distinct
from tweets_etl.transforms.sentiment import (
    SCORE_COLUMNS,
    score_columns,
    score_distinct_texts,
    sentiment_text,
)

# What judging reads from each tweet besides its text.
TWEET_COLUMNS = ("tweet_id", "urls", *classify.SPAM_INPUT_COLUMNS)
JUDGEMENT_COLUMNS = (*SCORE_COLUMNS, "feedback_type", "aspects", "spam_reasons", "is_spam")
_TEXT, _CLASSIFY, _SENTIMENT, _KEY = "_judged_text", "_classify_text", "_sentiment_text", "_text_key"


def text_key(text: Column) -> Column:
    """A 96-bit fingerprint of a text (two unrelated hashes; a null text has one too): the key that
    joins a tweet to the judgement of its text, 12 bytes shuffled per tweet instead of the text.
    Two different texts share it only if both hashes collide: odds below 1 in 10^17 among a
    million distinct texts."""
    return F.struct(F.xxhash64(text).alias("xxhash64"), F.hash(text).alias("murmur3"))


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

    ``df`` needs ``text_col`` and the :data:`TWEET_COLUMNS`. ``repeated_text`` counts within ``df``,
    per UTC day.
    """
    texts = judge_texts(
        df.select(F.col(text_col).alias(_TEXT)).distinct(),
        taxonomy=taxonomy,
        backend=backend,
        model_path=model_path,
        batch_size=batch_size,
    )
    # Each tweet is reduced to scalars before it is shuffled to its text's judgement.
    tweets = df.select(
        "tweet_id",
        *[name for name in carry if name != "tweet_id"],
        text_key(F.col(text_col)).alias(_KEY),
        (classify.size_or_zero(F.col("urls")) > 0).alias("_has_urls"),
        classify.size_or_zero(F.col("hashtags")).alias("_hashtag_count"),
        classify.size_or_zero(F.col("mentions")).alias("_mention_count"),
        F.col("author_id").alias("_author_id"),
        classify.account_age_days().alias("_account_age_days"),
        F.col("author_tweet_count").alias("_author_tweet_count"),
        classify.tweet_day().alias("_day"),
    ).join(texts, on=_KEY, how="left")
    has_link = F.col("_has_urls") | F.col("_link_in_text")
    feedback_type = classify.feedback_type_column(
        taxonomy,
        cues={type_id: F.col(f"_cue_{type_id}") for type_id in _cue_ids(taxonomy)},
        sentiment_label=F.col("sentiment_label"),
        has_aspect=F.size("aspects") > 0,
        has_link=has_link,
    )
    spam_reasons = classify.spam_reasons_column(
        taxonomy,
        classify.SpamSignals(
            hashtag_count=F.col("_hashtag_count"),
            mention_count=F.col("_mention_count"),
            author_id=F.col("_author_id"),
            account_age_days=F.col("_account_age_days"),
            author_tweet_count=F.col("_author_tweet_count"),
            has_link=has_link,
            no_words=F.col("_no_words"),
            repeat_key=F.col("_repeat_key"),
            has_repeat_key=F.col("_has_repeat_key"),
            day=F.col("_day"),
            has_promo_terms=F.col("_promo_terms"),
        ),
    )
    return tweets.select(
        "tweet_id",
        *SCORE_COLUMNS,
        feedback_type.alias("feedback_type"),
        "aspects",
        spam_reasons.alias("spam_reasons"),
        (F.size(spam_reasons) > 0).alias("is_spam"),
        *[name for name in carry if name != "tweet_id"],
    )


def judge_texts(
    texts: DataFrame, *, taxonomy: Taxonomy, backend: str, model_path: Optional[str], batch_size: int
) -> DataFrame:
    """One row per distinct text (``_judged_text``), keyed by its :func:`text_key`: sentiment,
    aspects, feedback cues and the spam checks on words.

    Each piece of work runs at the coarsest grain it depends on: the taxonomy's patterns once per
    distinct classify text (lowercased, links removed: half as many as texts in the benchmark's
    data), the sentiment model once per distinct sentiment text (a quarter as many as texts).
    """
    prepared = texts.select(
        text_key(F.col(_TEXT)).alias(_KEY),
        classify.classify_text(F.col(_TEXT)).alias(_CLASSIFY),
        sentiment_text(F.col(_TEXT)).alias(_SENTIMENT),
        classify.link_in_text(F.col(_TEXT)).alias("_link_in_text"),
        classify.no_words_besides_links(F.col(_TEXT)).alias("_no_words"),
    )
    matches = _match_taxonomy(spread_distinct(prepared, _CLASSIFY), taxonomy)
    scores = score_distinct_texts(
        prepared, _SENTIMENT, backend=backend, model_path=model_path, batch_size=batch_size
    ).withColumnRenamed(_SENTIMENT, "_scored_text")
    # Null-safe joins, so the optimizer infers no "is not null" filter: pushed below the distinct,
    # such a filter would prepare the text of every tweet rather than of every distinct text.
    return (
        prepared.join(matches, prepared[_CLASSIFY].eqNullSafe(matches["_matched_text"]), how="left")
        .join(scores, F.col(_SENTIMENT).eqNullSafe(F.col("_scored_text")), how="left")
        .select(
            _KEY,
            "_link_in_text",
            "_no_words",
            *[name for name in matches.columns if name != "_matched_text"],
            *score_columns(F.col("_score"), thresholds_for(backend)),
        )
    )


def _match_taxonomy(classify_texts: DataFrame, taxonomy: Taxonomy) -> DataFrame:
    """Per distinct classify text: aspects, each feedback type's cues, promo terms and repeat key."""
    text = F.col(_CLASSIFY)
    repeat_key = classify.repeat_key(text)
    return classify_texts.select(
        text.alias("_matched_text"),
        classify.aspects_column(text, taxonomy).alias("aspects"),
        *[cue.alias(f"_cue_{type_id}") for type_id, cue in classify.cue_columns(text, taxonomy).items()],
        text.rlike(taxonomy.spam.promo.pattern).alias("_promo_terms"),
        text_key(repeat_key).alias("_repeat_key"),
        (repeat_key != "").alias("_has_repeat_key"),
    )


def _cue_ids(taxonomy: Taxonomy) -> List[str]:
    return [item.id for item in taxonomy.feedback_types if item.cues]
