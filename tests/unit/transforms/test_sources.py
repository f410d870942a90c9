"""parse_source: client family, device, OS and automation flag from the ``source`` label."""

from __future__ import annotations

import pytest
from chispa import assert_column_equality
from pyspark.sql import functions as F

from tweets_etl.transforms.sources import parse_source

pytestmark = pytest.mark.spark

PARSED = "struct<client: string, device: string, os: string, is_automated: boolean>"


def check(spark, rows) -> None:
    df = spark.createDataFrame(
        [(label, (client, device, os, automated)) for label, client, device, os, automated in rows],
        f"source string, expected {PARSED}",
    )
    assert_column_equality(df.withColumn("actual", parse_source(F.col("source"))), "actual", "expected")


def test_official_clients_give_device_and_os(spark):
    check(
        spark,
        [
            ("Twitter for iPhone", "Twitter app", "iPhone", "iOS", False),
            ("Twitter for iPad", "Twitter app", "iPad", "iOS", False),
            ("Twitter for Android", "Twitter app", "Android", "Android", False),
            ("Twitter for Mac", "Twitter app", "Mac", "macOS", False),
            ("Twitter Web App", "Twitter web", "Web", "Web", False),
            ("Twitter Web Client", "Twitter web", "Web", "Web", False),
            ("TweetDeck", "TweetDeck", "Web", "Web", False),
            ("Twitter for Windows", "Other app", "Desktop", "Windows", False),
            (None, "unknown", "unknown", "unknown", None),
        ],
    )


def test_labels_match_case_insensitively(spark):
    check(
        spark,
        [
            ("TWITTER FOR IPHONE", "Twitter app", "iPhone", "iOS", False),
            ("twitter web app", "Twitter web", "Web", "Web", False),
            (None, "unknown", "unknown", "unknown", None),
        ],
    )


def test_schedulers_and_automation_are_flagged_automated(spark):
    check(
        spark,
        [
            ("Buffer", "Scheduler", "Server", "unknown", True),
            ("Hootsuite Inc.", "Scheduler", "Server", "unknown", True),
            ("Sprout Social", "Scheduler", "Server", "unknown", True),
            ("IFTTT", "Automation", "Server", "unknown", True),
            ("dlvr.it", "Automation", "Server", "unknown", True),
            ("Zapier.com", "Automation", "Server", "unknown", True),
            ("My ChatGPT Summaries", "Automation", "Server", "unknown", True),
            # Bot services as they appear in real pages (shared/data/x_api_v2_pages).
            ("twittbot.net", "Automation", "Server", "unknown", True),
            ("HobbyFigureBot", "Automation", "Server", "unknown", True),
            ("Cheap Bots, Done Quick!", "Automation", "Server", "unknown", True),
            (None, "unknown", "unknown", "unknown", None),
        ],
    )


def test_first_matching_rule_wins(spark):
    check(
        spark,
        [
            # "Buffer" (scheduler) comes before "api" (automation) in the rules.
            ("Buffer API", "Scheduler", "Server", "unknown", True),
            # An official app is never re-classified by a later, looser rule.
            ("Twitter for iPhone (Python beta)", "Twitter app", "iPhone", "iOS", False),
        ],
    )


def test_unknown_labels_are_other_apps_and_null_is_unknown(spark):
    check(
        spark,
        [
            ("Instagram", "Other app", "unknown", "unknown", False),
            ("Twitter Media Studio", "Other app", "unknown", "unknown", False),
            ("", "Other app", "unknown", "unknown", False),
            (None, "unknown", "unknown", "unknown", None),
        ],
    )
