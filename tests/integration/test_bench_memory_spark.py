"""The benchmark finds PySpark's Python workers under its session's JVM, where Spark starts them."""

from __future__ import annotations

from tweets_etl.bench.memory import PeakMemory


def test_the_sessions_python_workers_are_measured(spark):
    jvm_pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()

    with PeakMemory(jvm_pid, interval=0.05) as memory:
        assert spark.sparkContext.parallelize(range(1000), 2).map(lambda n: n * 2).sum() == 999_000

    measured = memory.snapshot()
    assert measured["python_worker_peak_mib"] > 5 and measured["driver_jvm_peak_mib"] > 100
