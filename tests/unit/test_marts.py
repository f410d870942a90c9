"""The warehouse's views: what they read, how they are created, and the comment each carries."""

from __future__ import annotations

import re

from tweets_etl.io.warehouse import WAREHOUSE_VIEWS, create_view_sql, sql_string
from tweets_etl.marts import MARTS
from tweets_etl.tables import TABLES


def test_every_warehouse_view_reads_only_qualified_tables_and_views_created_before_it():
    known = set(TABLES)
    for view in WAREHOUSE_VIEWS:
        statement = create_view_sql("sales_db", view)
        assert statement.startswith(f"CREATE OR REPLACE VIEW sales_db.{view.name} COMMENT '"), view.name
        sources = re.findall(r"\b(?:FROM|JOIN)\s+([\w.]+)", statement)
        assert sources and all(source.startswith("sales_db.") for source in sources), view.name
        assert {source.split(".", 1)[1] for source in sources} <= known, view.name
        known.add(view.name)


def test_every_view_has_a_comment_and_the_marts_are_the_documented_ones():
    assert all(view.comment and "'" not in view.comment for view in WAREHOUSE_VIEWS)
    assert [view.name for view in WAREHOUSE_VIEWS] == [
        "raw_tweets",
        "raw_rejects",
        *[view.name for view in MARTS],
    ]
    assert [view.name for view in MARTS] == [
        "mart_daily_sentiment",
        "mart_aspect_sentiment",
        "mart_feedback_daily",
        "mart_top_feedback",
    ]


def test_sql_strings_escape_quotes_and_backslashes():
    assert sql_string("it's") == r"'it\'s'"
    assert sql_string("a\\b") == r"'a\\b'"
    assert sql_string("") == "''"
