"""The tweet-id gates: reconciliation, uniqueness and relationships from one aggregation."""

from __future__ import annotations

import pytest

from tweets_etl.quality import TWEET_SOURCE_ACCEPTED, QualityReport, tweet_id_gates

pytestmark = pytest.mark.spark


def ids(spark, *values):
    return spark.createDataFrame([(value,) for value in values], "tweet_id string")


def test_every_tweet_id_gate_counts_the_failing_rows(spark):
    report = QualityReport(counts={"raw_records": 5, "rejects": 1})
    sources = {
        TWEET_SOURCE_ACCEPTED: ids(spark, "a", "a", "b", "c"),  # a collected twice: one duplicate
        "stg_tweets": ids(spark, "a", "b", "b", None),  # b twice, and a row without an id
        "int_tweets_enriched": ids(spark, "a", "b"),
        "fct_tweets": ids(spark, "a"),  # b lost between enrich and model
        "bridge_tweet_hashtags": ids(spark, "a", "a", "z"),  # z points at no tweet
        "bridge_tweet_aspects": ids(spark, "b"),
    }

    checks = {check.check_name: check.failing_rows for check in tweet_id_gates(report, sources)}

    assert report.counts == {"raw_records": 5, "rejects": 1, "staged": 3, "duplicates": 1}
    assert checks == {
        "reconciliation:raw=staged+duplicates+rejects": 0,
        "reconciliation:every_accepted_tweet_staged": 0,
        "unique:stg_tweets.tweet_id": 2,  # the second b, and the null id
        "unique:fct_tweets.tweet_id": 0,
        "unique:int_tweets_enriched.tweet_id": 0,
        "relationship:stg_tweets.tweet_id->int_tweets_enriched": 1,  # the null id
        "relationship:int_tweets_enriched.tweet_id->fct_tweets": 1,
        "relationship:bridge_tweet_hashtags.tweet_id->fct_tweets": 1,
        "relationship:bridge_tweet_aspects.tweet_id->fct_tweets": 1,
    }


def test_a_tweet_lost_before_staging_breaks_reconciliation(spark):
    report = QualityReport(counts={"raw_records": 3, "rejects": 0})
    sources = {
        TWEET_SOURCE_ACCEPTED: ids(spark, "a", "b", "c"),
        "stg_tweets": ids(spark, "a", "b"),
        "int_tweets_enriched": ids(spark, "a", "b"),
        "fct_tweets": ids(spark, "a", "b"),
        "bridge_tweet_hashtags": ids(spark),
        "bridge_tweet_aspects": ids(spark),
    }

    checks = {check.check_name: check.failing_rows for check in tweet_id_gates(report, sources)}

    assert checks["reconciliation:raw=staged+duplicates+rejects"] == 1
    assert checks["reconciliation:every_accepted_tweet_staged"] == 1
