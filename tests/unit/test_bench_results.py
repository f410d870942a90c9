"""The benchmark's headline ratio: the median pipeline run over the median floor run."""

from __future__ import annotations

from itertools import permutations

from tweets_etl.bench.__main__ import ratios, table

# make bench of 2026-11-25 07:07: the floor in its own JVM, then the pipeline, in that order.
FLOOR_S = [18.1, 17.4, 17.3]
PIPELINE_S = [80.5, 76.1, 77.0]


def test_the_ratio_is_the_median_pipeline_over_the_median_floor():
    measured = ratios(PIPELINE_S, FLOOR_S)

    assert measured["pipeline_over_floor"] == 4.43  # 77.0 / 17.4; run i / run i gave 4.45
    assert measured["ratio_spread"] == [4.37, 4.63]  # 76.1 and 80.5 / 17.4
    assert (measured["pipeline_median_s"], measured["floor_median_s"]) == (77.0, 17.4)


def test_the_ratio_does_not_depend_on_the_order_the_runs_were_made_in():
    # The floor's runs were made apart from the pipeline's: no floor run belongs to a pipeline run.
    found = {
        str(ratios(list(pipeline), list(floor)))
        for pipeline in permutations(PIPELINE_S)
        for floor in permutations(FLOOR_S)
    }

    assert len(found) == 1


def test_the_table_says_how_the_ratio_and_its_spread_are_made():
    results = {
        "tweets": 1_000_000,
        **ratios(PIPELINE_S, FLOOR_S),
        "floor_warmup_s": 22.3,
        "floor_spark_defaults_median_s": 18.1,
        "floor_same_jvm_median_s": 23.2,
        "pipeline_over_floor_same_jvm": 3.33,
        "tweets_per_second": 12987,
        "incremental_ratio": 1.36,
        "scaling_ratio": 1.53,
        "memory_after_quarter": {"driver_jvm_peak_mib": 1315.1, "python_worker_peak_mib": 136.9},
        "memory_after_full": {"driver_jvm_peak_mib": 1760.3, "python_worker_peak_mib": 139.2},
        "runs": [{"stages_s": {"ingest": 22.57, "stage": 9.75}}],
    }

    row = next(line for line in table(results) if line.startswith("pipeline / floor"))

    assert "4.43x" in row and "median pipeline / median floor" in row
    assert "each run / median floor 4.37-4.63x" in row
