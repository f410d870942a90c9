"""The marts: views over the star schema that analysts and the dashboard read, always current.

Each is a :class:`~tweets_etl.tables.View` (name, comment, SELECT with ``{db}``), created or refreshed
by :meth:`tweets_etl.io.warehouse.Warehouse.ensure` beside the raw views of the data dictionary. Marts
leave spam out and say how much they left out. The SQL is plain HiveQL, so a cluster's HiveServer2
can read the views as Spark created them.
"""

from __future__ import annotations

from typing import Iterable, Tuple

from pyspark.sql import Column
from pyspark.sql import functions as F

from tweets_etl.sentiment.base import LABEL_IDS_POSITIVE_FIRST
from tweets_etl.tables import View
from tweets_etl.taxonomy import TOP_FEEDBACK_TYPES, plural


def is_spam_sql(alias: str) -> str:
    """SQL: the tweet row ``alias`` (fct_tweets or int_tweets_enriched) is spam; an unset flag is not."""
    return f"COALESCE({alias}.is_spam, false)"


def not_spam_sql(alias: str) -> str:
    """SQL: the rows the marts and the dashboard keep."""
    return f"NOT {is_spam_sql(alias)}"


def not_spam() -> Column:
    """The same rule as :func:`not_spam_sql`, as a Column over a DataFrame with ``is_spam``."""
    return ~F.coalesce(F.col("is_spam"), F.lit(False))


def sql_string(text: str) -> str:
    """``text`` as a quoted SQL string literal (Spark and Hive read backslash escapes in it)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def sql_in(values: Iterable[str]) -> str:
    """The parenthesised list of string literals an ``IN`` tests against."""
    return "(" + ", ".join(sql_string(value) for value in values) + ")"


def _count(condition: str) -> str:
    return f"COUNT(CASE WHEN {condition} THEN 1 END)"


def _net_sentiment(positive: str, negative: str) -> str:
    """SQL for :func:`tweets_etl.sentiment.base.net_sentiment` over two count expressions."""
    return f"({positive} - {negative})\n    / NULLIF({positive} + {negative}, 0)"


def _label_counts(kept: str = "") -> str:
    """``<label>_tweets`` per sentiment label (positive first) and ``net_sentiment`` over the rows
    ``kept`` selects (every row when empty); ``s`` is dim_sentiments."""

    def count(label: str) -> str:
        is_label = f"s.sentiment_label = {sql_string(label)}"
        return _count(f"{kept} AND {is_label}" if kept else is_label)

    columns = [f"{count(label)} AS {label}_tweets" for label in LABEL_IDS_POSITIVE_FIRST]
    columns.append(f"{_net_sentiment(count('positive'), count('negative'))} AS net_sentiment")
    return ",\n  ".join(columns)


def _average_score(score: str) -> str:
    """AVG of a score in [-1, 1], summed in fixed point: a sum of doubles depends on the order rows
    are read in (its last bits), so rerunning a batch could change a mart that no table changed."""
    return f"CAST(AVG(CAST({score} AS DECIMAL(9, 6))) AS DOUBLE)"


_NOT_SPAM = not_spam_sql("f")
_AVG_SENTIMENT = _average_score("f.sentiment_score")
_AVG_SENTIMENT_NOT_SPAM = _average_score(f"CASE WHEN {_NOT_SPAM} THEN f.sentiment_score END")
# "complaints and suggestions": what mart_top_feedback ranks, as its comment and v_top_feedback's say.
TOP_FEEDBACK_WORDS = " and ".join(map(plural, TOP_FEEDBACK_TYPES))

MARTS: Tuple[View, ...] = (
    View(
        "mart_daily_sentiment",
        "One row per day: tweets, retweets, average and net sentiment, tweets per sentiment label"
        " (spam left out, and counted)",
        f"""
SELECT f.created_date,
  {_count(_NOT_SPAM)} AS tweets,
  {_count(f"{_NOT_SPAM} AND f.is_retweet")} AS retweets,
  {_AVG_SENTIMENT_NOT_SPAM} AS avg_sentiment,
  {_label_counts(_NOT_SPAM)},
  {_count(is_spam_sql("f"))} AS spam_tweets_excluded
FROM {{db}}.fct_tweets f JOIN {{db}}.dim_sentiments s ON f.sentiment_key = s.sentiment_key
GROUP BY f.created_date""",
    ),
    View(
        "mart_aspect_sentiment",
        "One row per aspect: tweets, average and net sentiment, tweets per sentiment label (no spam)",
        f"""
SELECT a.aspect, a.aspect_name, a.sort_order, COUNT(*) AS tweets, {_AVG_SENTIMENT} AS avg_sentiment,
  {_label_counts()}
FROM {{db}}.bridge_tweet_aspects b
JOIN {{db}}.fct_tweets f ON f.tweet_id = b.tweet_id AND f.created_date = b.created_date
JOIN {{db}}.dim_aspects a ON a.aspect_key = b.aspect_key
JOIN {{db}}.dim_sentiments s ON s.sentiment_key = f.sentiment_key
WHERE {_NOT_SPAM}
GROUP BY a.aspect, a.aspect_name, a.sort_order""",
    ),
    View(
        "mart_feedback_daily",
        "One row per day and feedback type: tweets and average sentiment (no spam)",
        f"""
SELECT f.created_date, t.feedback_type, t.feedback_name, COUNT(*) AS tweets, {_AVG_SENTIMENT} AS avg_sentiment
FROM {{db}}.fct_tweets f JOIN {{db}}.dim_feedback_types t ON t.feedback_type_key = f.feedback_type_key
WHERE {_NOT_SPAM}
GROUP BY f.created_date, t.feedback_type, t.feedback_name""",
    ),
    View(
        "mart_top_feedback",
        f"The five most engaging {TOP_FEEDBACK_WORDS} per aspect, with their text (no spam or retweets)",
        f"""
SELECT aspect, aspect_name, feedback_type, feedback_rank, tweet_id, created_date, text, engagement_count,
  sentiment_score
FROM (
  SELECT a.aspect, a.aspect_name, e.feedback_type, e.tweet_id, e.created_date, s.text, f.engagement_count,
    f.sentiment_score,
    ROW_NUMBER() OVER (PARTITION BY a.aspect, e.feedback_type
                       ORDER BY f.engagement_count DESC NULLS LAST, e.tweet_id) AS feedback_rank
  FROM {{db}}.int_tweets_enriched e
  JOIN {{db}}.stg_tweets s ON s.tweet_id = e.tweet_id AND s.created_date = e.created_date
  JOIN {{db}}.bridge_tweet_aspects b ON b.tweet_id = e.tweet_id AND b.created_date = e.created_date
  JOIN {{db}}.dim_aspects a ON a.aspect_key = b.aspect_key
  JOIN {{db}}.fct_tweets f ON f.tweet_id = e.tweet_id AND f.created_date = e.created_date
  WHERE e.feedback_type IN {sql_in(TOP_FEEDBACK_TYPES)} AND {not_spam_sql("e")}
    AND s.tweet_type <> 'retweet'
) ranked
WHERE feedback_rank <= 5""",
    ),
)
