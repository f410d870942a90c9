"""BI-friendly views (``v_*``): the star schema pre-joined, with column names a report can show as is.

A Power BI, Tableau or DBeaver user picks ``v_tweets`` (one row per tweet, every dimension joined)
and, for many-to-many questions, ``v_hashtags`` or ``v_aspects`` (one row per tweet and hashtag or
aspect), relating them on "Tweet ID". Spam stays in the views with an "Is Spam" column, so a report
decides (the HTML dashboard leaves it out). Dimensions are LEFT JOINed: a view never drops a fact
row, so BI totals match ``fct_tweets``.

The SQL is plain HiveQL (backquoted names, CASE, COALESCE, LEFT JOIN), so the same views also work
when created on a cluster and read through the cluster's HiveServer2.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

from tweets_etl.config import identifier
from tweets_etl.io.warehouse import create_view_sql
from tweets_etl.marts import TOP_FEEDBACK_WORDS, is_spam_sql
from tweets_etl.tables import View

_TWEET_COLUMNS = f"""
  f.tweet_id AS `Tweet ID`,
  f.created_date AS `Tweet Date`,
  f.created_at AS `Tweet Time (UTC)`,
  d.year AS `Year`,
  d.month AS `Month Number`,
  d.month_name AS `Month`,
  d.week_of_year AS `Week`,
  d.day_name AS `Day of Week`,
  d.is_weekend AS `Is Weekend`,
  t.hour AS `Hour (UTC)`,
  t.day_part AS `Day Part`,
  stg.text AS `Text`,
  tt.tweet_type AS `Tweet Type`,
  s.label_name AS `Sentiment`,
  s.band_name AS `Sentiment Band`,
  s.sort_order AS `Sentiment Band Order`,
  f.sentiment_score AS `Sentiment Score`,
  ft.feedback_name AS `Feedback Type`,
  u.username AS `Author`,
  u.display_name AS `Author Name`,
  u.is_verified AS `Author Verified`,
  f.author_followers_count AS `Author Followers`,
  src.device AS `Device`,
  src.os AS `OS`,
  src.client AS `Client`,
  src.source_name AS `Source`,
  src.is_automated AS `Is Automated`,
  lang.language_name AS `Language`,
  loc.location_name AS `Location`,
  loc.country AS `Country`,
  loc.location_source AS `Location Source`,
  f.like_count AS `Likes`,
  f.retweet_count AS `Retweets`,
  f.reply_count AS `Replies`,
  f.quote_count AS `Quotes`,
  f.bookmark_count AS `Bookmarks`,
  f.impression_count AS `Impressions`,
  f.engagement_count AS `Engagements`,
  f.engagement_rate AS `Engagement Rate`,
  f.hashtag_count AS `Hashtag Count`,
  f.aspect_count AS `Aspect Count`,
  f.has_media AS `Has Media`,
  f.is_retweet AS `Is Retweet`,
  {is_spam_sql("f")} AS `Is Spam`"""

_TWEET_JOINS = """
FROM {db}.fct_tweets f
LEFT JOIN {db}.dim_dates d ON d.date_key = f.date_key
LEFT JOIN {db}.dim_times t ON t.time_key = f.time_key
LEFT JOIN {db}.dim_users u ON u.user_key = f.user_key
LEFT JOIN {db}.dim_sources src ON src.source_key = f.source_key
LEFT JOIN {db}.dim_languages lang ON lang.language_key = f.language_key
LEFT JOIN {db}.dim_locations loc ON loc.location_key = f.location_key
LEFT JOIN {db}.dim_tweet_types tt ON tt.tweet_type_key = f.tweet_type_key
LEFT JOIN {db}.dim_sentiments s ON s.sentiment_key = f.sentiment_key
LEFT JOIN {db}.dim_feedback_types ft ON ft.feedback_type_key = f.feedback_type_key
LEFT JOIN {db}.stg_tweets stg ON stg.tweet_id = f.tweet_id AND stg.created_date = f.created_date"""

# Columns a bridge view repeats from the tweet, so most questions need no relationship at all.
_BRIDGE_TWEET_COLUMNS = f"""
  f.tweet_id AS `Tweet ID`,
  f.created_date AS `Tweet Date`,
  s.label_name AS `Sentiment`,
  f.sentiment_score AS `Sentiment Score`,
  ft.feedback_name AS `Feedback Type`,
  f.engagement_count AS `Engagements`,
  f.is_retweet AS `Is Retweet`,
  {is_spam_sql("f")} AS `Is Spam`"""

_BRIDGE_JOINS = """
JOIN {db}.fct_tweets f ON f.tweet_id = b.tweet_id AND f.created_date = b.created_date
LEFT JOIN {db}.dim_sentiments s ON s.sentiment_key = f.sentiment_key
LEFT JOIN {db}.dim_feedback_types ft ON ft.feedback_type_key = f.feedback_type_key"""

BI_VIEWS: Tuple[View, ...] = (
    View(
        "v_tweets",
        "One row per tweet with every dimension joined and readable column names (spam kept: filter Is Spam)",
        f"SELECT{_TWEET_COLUMNS}{_TWEET_JOINS}",
    ),
    View(
        "v_hashtags",
        "One row per tweet and hashtag; relate to v_tweets on Tweet ID",
        "SELECT CONCAT('#', h.hashtag) AS `Hashtag`,"
        f"{_BRIDGE_TWEET_COLUMNS}\nFROM {{db}}.bridge_tweet_hashtags b"
        "\nLEFT JOIN {db}.dim_hashtags h ON h.hashtag_key = b.hashtag_key"
        f"{_BRIDGE_JOINS}",
    ),
    View(
        "v_aspects",
        "One row per tweet and aspect (what it is about); relate to v_tweets on Tweet ID",
        "SELECT a.aspect_name AS `Aspect`, a.description AS `Aspect Description`, a.sort_order AS `Aspect Order`,"
        f"{_BRIDGE_TWEET_COLUMNS}\nFROM {{db}}.bridge_tweet_aspects b"
        "\nLEFT JOIN {db}.dim_aspects a ON a.aspect_key = b.aspect_key"
        f"{_BRIDGE_JOINS}",
    ),
    View(
        "v_daily_sentiment",
        "One row per day: tweets, retweets, sentiment counts and net sentiment (spam left out and counted)",
        "SELECT created_date AS `Date`, tweets AS `Tweets`, retweets AS `Retweets`,"
        " avg_sentiment AS `Average Sentiment`, positive_tweets AS `Positive`, neutral_tweets AS `Neutral`,"
        " negative_tweets AS `Negative`, unscored_tweets AS `Unscored`, net_sentiment AS `Net Sentiment`,"
        " spam_tweets_excluded AS `Spam Left Out`\nFROM {db}.mart_daily_sentiment",
    ),
    View(
        "v_top_feedback",
        f"The most engaging {TOP_FEEDBACK_WORDS} per aspect (top 5 each; no spam, no retweets)",
        "SELECT aspect_name AS `Aspect`, feedback_type AS `Feedback Type`, feedback_rank AS `Rank`,"
        " tweet_id AS `Tweet ID`, created_date AS `Tweet Date`, text AS `Text`,"
        " engagement_count AS `Engagements`, sentiment_score AS `Sentiment Score`\nFROM {db}.mart_top_feedback",
    ),
)


def view_statements(database: str) -> List[Tuple[str, str]]:
    """``(view name, CREATE OR REPLACE VIEW statement)`` for every BI view in ``database``."""
    db = identifier(database, key="warehouse.database")
    return [(view.name, create_view_sql(db, view)) for view in BI_VIEWS]


def create_bi_views(spark, database: str) -> Dict[str, str]:
    """Create (or refresh) the views; returns each view's name and comment."""
    for _, statement in view_statements(database):
        spark.sql(statement)
    return {view.name: view.comment for view in BI_VIEWS}
