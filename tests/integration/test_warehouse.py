"""Warehouse.rebuild: a table rewritten from its own rows, directly when it is empty; and the swap a
run died in, finished or undone by the next run."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from tweets_etl.io.warehouse import SWAP_READY_PROPERTY, Warehouse, create_table_sql
from tweets_etl.tables import DIM_ASPECTS, DIM_SOURCES, UNKNOWN_KEY
from tweets_etl.transforms.dimensions import build_dim_aspects, build_dim_sources, keep_retired_members

pytestmark = pytest.mark.spark


def test_rebuild_builds_an_empty_table_from_nothing_then_from_its_rows(spark, pipeline_config):
    warehouse = Warehouse(spark, pipeline_config.warehouse.database)
    warehouse.ensure([DIM_SOURCES], views=())
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


# A run that dies while swapping a table in -------------------------------------------------------

SOURCES = ["Twitter Web App", "Twitter for iPhone"]


@pytest.fixture()
def swap_warehouse(spark):
    """A database of its own, holding dim_sources with two members and the unknown one."""
    warehouse = Warehouse(spark, "swap_recovery")
    warehouse.ensure([DIM_SOURCES], views=())
    batch = spark.createDataFrame([(name,) for name in SOURCES], "source string")
    warehouse.overwrite_partitions(build_dim_sources(batch, None), DIM_SOURCES)
    yield warehouse
    spark.sql("DROP DATABASE IF EXISTS swap_recovery CASCADE")


def _copy_left_by_a_dead_run(warehouse, *, ready: bool) -> None:
    """What a run leaves when it dies mid-swap: the whole copy in __next (marked ready once whole)."""
    copy = f"{DIM_SOURCES.name}__next"
    warehouse.spark.sql(create_table_sql(warehouse.db, DIM_SOURCES, warehouse.format, name=copy))
    warehouse.read(DIM_SOURCES).write.insertInto(warehouse.name(copy), overwrite=True)
    if ready:
        warehouse.spark.sql(
            f"ALTER TABLE {warehouse.name(copy)} SET TBLPROPERTIES ('{SWAP_READY_PROPERTY}' = 'true')"
        )


def _source_names(warehouse) -> list:
    return sorted(row.source_name for row in warehouse.read(DIM_SOURCES).collect())


def test_a_swap_that_died_after_its_copy_was_ready_is_finished_by_the_next_run(spark, swap_warehouse):
    _copy_left_by_a_dead_run(swap_warehouse, ready=True)
    # The overwrite of an unpartitioned table deletes its files first: it died with the table empty.
    empty = spark.createDataFrame([], DIM_SOURCES.schema)
    swap_warehouse.overwrite_partitions(empty, DIM_SOURCES)

    swap_warehouse.ensure([DIM_SOURCES], views=())

    assert _source_names(swap_warehouse) == sorted([*SOURCES, "unknown"])
    assert not swap_warehouse.exists(f"{DIM_SOURCES.name}__next")


def test_a_copy_that_died_before_it_was_whole_is_dropped_and_the_table_kept(spark, swap_warehouse):
    _copy_left_by_a_dead_run(swap_warehouse, ready=False)
    half_written = swap_warehouse.read(DIM_SOURCES).limit(1).withColumn("source_name", F.lit("half written"))
    half_written.write.insertInto(swap_warehouse.name(f"{DIM_SOURCES.name}__next"))

    assert swap_warehouse.finish_interrupted_swaps() == []

    assert _source_names(swap_warehouse) == sorted([*SOURCES, "unknown"])
    assert not swap_warehouse.exists(f"{DIM_SOURCES.name}__next")


def test_a_changed_taxonomy_keeps_the_members_it_dropped(spark, swap_warehouse):
    """Facts of days judged before the change still point at a dropped aspect: it stays, the kept
    ones take their new attributes, and an unchanged fingerprint writes nothing."""
    swap_warehouse.ensure([DIM_ASPECTS], views=())

    def from_taxonomy(aspects):
        rows = [(aspect, name, "", order) for order, (aspect, name) in enumerate(aspects, start=1)]
        schema = "aspect string, aspect_name string, description string, sort_order int"
        return lambda current: keep_retired_members(
            build_dim_aspects(spark.createDataFrame(rows, schema)), current, DIM_ASPECTS
        )

    first = from_taxonomy([("coding", "Coding"), ("plugins", "Plugins")])
    second = from_taxonomy([("coding", "Coding and debugging"), ("pricing", "Pricing")])
    assert swap_warehouse.replace_if_changed(first, DIM_ASPECTS, "v1")
    assert swap_warehouse.replace_if_changed(second, DIM_ASPECTS, "v2")
    assert not swap_warehouse.replace_if_changed(second, DIM_ASPECTS, "v2")

    names = {row.aspect: row.aspect_name for row in swap_warehouse.read(DIM_ASPECTS).collect()}
    assert names == {
        "coding": "Coding and debugging",
        "plugins": "Plugins",
        "pricing": "Pricing",
        "unknown": "unknown",
    }
