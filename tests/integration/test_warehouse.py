"""Warehouse.rebuild: a table rewritten from its own rows, directly when it is empty."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from tweets_etl.io.warehouse import Warehouse
from tweets_etl.tables import DIM_SOURCES, UNKNOWN_KEY
from tweets_etl.transforms.dimensions import build_dim_sources

pytestmark = pytest.mark.spark


def test_rebuild_builds_an_empty_table_from_nothing_then_from_its_rows(spark, pipeline_config):
    warehouse = Warehouse(spark, pipeline_config.warehouse.database)
    warehouse.ensure([DIM_SOURCES], views={})
    seen = []

    def build(names):
        def from_current(current):
            seen.append(None if current is None else sorted(r.source_name for r in current.collect()))
            batch = spark.createDataFrame([(name,) for name in names], "source string")
            return build_dim_sources(batch, current)

        return from_current

    warehouse.rebuild(DIM_SOURCES, build(["Twitter Web App"]))
    warehouse.rebuild(DIM_SOURCES, build(["Twitter for iPhone"]))

    assert seen == [None, ["Twitter Web App", "unknown"]]
    rows = warehouse.read(DIM_SOURCES).where(F.col("source_key") != UNKNOWN_KEY).collect()
    assert sorted(row.source_name for row in rows) == ["Twitter Web App", "Twitter for iPhone"]
    assert not warehouse.exists(f"{DIM_SOURCES.name}__next")
