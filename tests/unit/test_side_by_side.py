"""run_side_by_side: independent Spark actions from a few threads, results in order, failures raised."""

from __future__ import annotations

import threading

import pytest

from tweets_etl.side_by_side import run_side_by_side

pytestmark = pytest.mark.spark


def test_results_come_back_in_the_order_given_and_jobs_keep_the_stage_group(spark):
    spark.sparkContext.setJobGroup("model", "tweets-etl model")
    try:
        results = run_side_by_side(
            [
                lambda: spark.range(1000).count(),
                lambda: spark.sparkContext.getLocalProperty("spark.jobGroup.id"),
                lambda: threading.current_thread().name,
            ]
        )
    finally:
        spark.sparkContext.setJobGroup("", "")
    assert results[0] == 1000
    assert results[1] == "model"
    assert results[2].startswith("tweets-etl")


def test_a_failure_is_raised_and_nothing_new_starts_after_it(spark):
    started = []

    def fail():
        started.append("fail")
        raise ValueError("no such table")

    with pytest.raises(ValueError, match="no such table"):
        run_side_by_side([fail, lambda: started.append("next")], workers=1)
    assert started == ["fail"]
