"""The data-quality gates, each given bad data: tweet ids, reject reasons, value rules, relationships, keys."""

from __future__ import annotations

import pytest

from tweets_etl.io.warehouse import Warehouse
from tweets_etl.quality import (
    FACT_RELATIONSHIPS,
    TWEET_SOURCE_ACCEPTED,
    CheckResult,
    QualityReport,
    _reconcile_rejects,
    _relationships,
    _unique_keys,
    _value_rules,
    tweet_id_gates,
)
from tweets_etl.tables import DIM_HASHTAGS, DIM_USERS, FCT_TWEETS, STG_TWEETS
from tweets_etl.transforms.staging import TWEET_TYPES

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


def reasons(spark, *values):
    return spark.createDataFrame([(value,) for value in values], "reject_reason string")


def test_reject_reasons_outside_the_known_codes_fail_and_every_record_is_counted(spark):
    report = QualityReport()
    records = reasons(spark, None, None, "malformed_json", "made_up", "made_up")

    checks = _reconcile_rejects(report, records)

    assert checks == [
        CheckResult("accepted_values:raw_records.reject_reason", "raw_records", "accepted_values", 2)
    ]
    assert report.counts == {"raw_records": 5, "rejects": 3}
    assert report.rejects_by_reason == {"made_up": 2, "malformed_json": 1}


def test_reject_reasons_that_are_all_known_pass(spark):
    checks = _reconcile_rejects(QualityReport(), reasons(spark, None, "missing_id", "empty_page"))

    assert [check.passed for check in checks] == [True]


def test_value_rules_count_nulls_and_values_outside_the_accepted_ones(spark):
    df = spark.createDataFrame(
        [("a", "original"), (None, "retweet"), ("c", "repost"), ("d", None)],
        "tweet_id string, tweet_type string",
    )

    checks = _value_rules(df, STG_TWEETS, not_null=["tweet_id"], accepted={"tweet_type": TWEET_TYPES})

    # A null is not an accepted value either: it fails the accepted_values rule as well.
    assert checks == [
        CheckResult("not_null:stg_tweets.tweet_id", "stg_tweets", "not_null", 1),
        CheckResult("accepted_values:stg_tweets.tweet_type", "stg_tweets", "accepted_values", 2),
    ]


@pytest.fixture
def dimensions_warehouse(spark):
    """A real Warehouse over global temporary views: each fact dimension holds the keys 1 and 2."""
    for _, dim in FACT_RELATIONSHIPS:
        key = dim.schema[dim.columns[0]].dataType.simpleString()
        spark.createDataFrame([(1,), (2,)], f"{dim.columns[0]} {key}").createOrReplaceGlobalTempView(dim.name)
    yield Warehouse(spark, "global_temp")
    for _, dim in FACT_RELATIONSHIPS:
        spark.catalog.dropGlobalTempView(dim.name)


def test_fact_keys_missing_from_their_dimension_fail_their_relationship(spark, dimensions_warehouse):
    keys = [key for key, _ in FACT_RELATIONSHIPS]
    schema = ", ".join(f"{key} {FCT_TWEETS.schema[key].dataType.simpleString()}" for key in keys)
    good = {key: 1 for key in keys}
    rows = [
        good,
        {**good, "user_key": 3},  # an author dim_users lost
        {**good, "user_key": 2, "sentiment_key": None},  # a null key has no dimension row either
    ]
    fct = spark.createDataFrame([tuple(row[key] for key in keys) for row in rows], schema)

    checks = {check.check_name: check.failing_rows for check in _relationships(dimensions_warehouse, fct)}

    expected = {f"relationship:fct_tweets.{key}->{dim.name}": 0 for key, dim in FACT_RELATIONSHIPS}
    expected.update(
        {
            "relationship:fct_tweets.user_key->dim_users": 1,
            "relationship:fct_tweets.sentiment_key->dim_sentiments": 1,
        }
    )
    assert checks == expected


def test_duplicate_and_null_surrogate_keys_fail_uniqueness_per_dimension(spark):
    users = spark.createDataFrame([(1,), (1,), (2,), (None,)], "user_key bigint")
    hashtags = spark.createDataFrame([(7,), (8,)], "hashtag_key bigint")

    checks = _unique_keys([(users, DIM_USERS), (hashtags, DIM_HASHTAGS)])

    # The second 1 is a duplicate; a null key identifies nothing, so it fails too.
    assert checks == [
        CheckResult("unique:dim_users.user_key", "dim_users", "unique", 2),
        CheckResult("unique:dim_hashtags.hashtag_key", "dim_hashtags", "unique", 0),
    ]
