"""Surrogate, date and time keys: deterministic, -1 for unknown, the documented formula.

The key formula is checked against an independent pure-Python XXH64 (seed 42, as Spark's
``xxhash64``), so keys stay what the data dictionary says ("xxhash64 of user_id") and any tool
outside Spark can compute them; a change of hash or seed would orphan every stored key.
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone
from typing import List

import pytest
from chispa import assert_column_equality, assert_df_equality
from pyspark.sql import functions as F

from tests.frames import in_order
from tweets_etl.tables import UNKNOWN_KEY
from tweets_etl.transforms.keys import date_key, surrogate_key, time_key

pytestmark = pytest.mark.spark

_M = (1 << 64) - 1
_P1, _P2, _P3 = 11400714785074694791, 14029467366897019727, 1609587929392839161
_P4, _P5 = 9650029242287828579, 2870177450012600261
SPARK_HASH_SEED = 42


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M


def _round(acc: int, lane: int) -> int:
    return (_rotl((acc + lane * _P2) & _M, 31) * _P1) & _M


def xxh64(data: bytes, seed: int) -> int:
    """XXH64 from its specification, as a signed 64-bit integer (Spark's BIGINT)."""
    seed &= _M
    size, i = len(data), 0
    if size >= 32:
        lanes = [(seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed, (seed - _P1) & _M]
        while i + 32 <= size:
            lanes = [_round(acc, struct.unpack_from("<Q", data, i + 8 * n)[0]) for n, acc in enumerate(lanes)]
            i += 32
        h = (_rotl(lanes[0], 1) + _rotl(lanes[1], 7) + _rotl(lanes[2], 12) + _rotl(lanes[3], 18)) & _M
        for acc in lanes:
            h = (((h ^ _round(0, acc)) * _P1) + _P4) & _M
    else:
        h = (seed + _P5) & _M
    h = (h + size) & _M
    while i + 8 <= size:
        h = (_rotl(h ^ _round(0, struct.unpack_from("<Q", data, i)[0]), 27) * _P1 + _P4) & _M
        i += 8
    if i + 4 <= size:
        h = (_rotl(h ^ (struct.unpack_from("<I", data, i)[0] * _P1 & _M), 23) * _P2 + _P3) & _M
        i += 4
    while i < size:
        h = (_rotl(h ^ (data[i] * _P5 & _M), 11) * _P1) & _M
        i += 1
    h ^= h >> 33
    h = h * _P2 & _M
    h ^= h >> 29
    h = h * _P3 & _M
    h ^= h >> 32
    return h - (1 << 64) if h >= 1 << 63 else h


def expected_key(*parts: str) -> int:
    """Spark chains the columns: each part is hashed with the previous hash as its seed."""
    key = SPARK_HASH_SEED
    for part in parts:
        key = xxh64(part.encode("utf-8"), key)
    return key


NATURAL_KEYS: List[str] = [
    "1433267766912557062",
    "chatgpt",
    "東京",
    "Somewhere over the rainbow, way up high, near London",  # longer than one 32-byte stripe
    "",
]


def test_surrogate_key_is_xxhash64_of_the_natural_key_and_minus_one_for_null(spark):
    rows = [(value, expected_key(value)) for value in NATURAL_KEYS] + [(None, UNKNOWN_KEY)]
    df = spark.createDataFrame(rows, "natural string, expected bigint")

    actual = df.withColumn("actual", surrogate_key(F.col("natural")))

    assert_column_equality(actual, "actual", "expected")


def test_composite_surrogate_key_hashes_every_part_in_order(spark):
    rows = [
        ("london", "user_profile", expected_key("london", "user_profile")),
        ("user_profile", "london", expected_key("user_profile", "london")),
        ("3eb2c704fe8a50cb", "place", expected_key("3eb2c704fe8a50cb", "place")),
        # The first part decides unknown-ness; a null later part is skipped, as Spark does.
        ("london", None, expected_key("london")),
        (None, "place", UNKNOWN_KEY),
    ]
    df = spark.createDataFrame(rows, "natural string, source string, expected bigint")

    actual = df.withColumn("actual", surrogate_key(F.col("natural"), F.col("source")))

    assert_column_equality(actual, "actual", "expected")
    assert rows[0][2] != rows[1][2]


def test_surrogate_key_does_not_depend_on_partitioning_or_row_order(spark):
    values = [(str(1598000000000000000 + n),) for n in range(200)] + [(None,)]
    one_partition = spark.createDataFrame(values, "natural string").coalesce(1)
    shuffled = spark.createDataFrame(list(reversed(values)), "natural string").repartition(4)

    first = one_partition.select("natural", surrogate_key(F.col("natural")).alias("key"))
    second = shuffled.select("natural", surrogate_key(F.col("natural")).alias("key"))

    assert_df_equality(in_order(first), in_order(second))
    assert first.select("key").distinct().count() == len(values)


def test_date_and_time_keys_are_utc_yyyymmdd_and_hhmm(spark):
    utc = timezone.utc
    rows = [
        (datetime(2022, 12, 5, 10, 15, 30, tzinfo=utc), 20221205, 1015),
        (datetime(2022, 12, 31, 23, 59, 59, tzinfo=utc), 20221231, 2359),
        (datetime(2023, 1, 1, 0, 0, tzinfo=utc), 20230101, 0),
        (datetime(2024, 2, 29, 0, 9, tzinfo=utc), 20240229, 9),
        (None, UNKNOWN_KEY, UNKNOWN_KEY),
    ]
    df = spark.createDataFrame(rows, "moment timestamp, expected_date int, expected_time int")

    actual = df.select(
        "expected_date",
        "expected_time",
        date_key(F.col("moment")).alias("date_key"),
        time_key(F.col("moment")).alias("time_key"),
    )

    assert dict(actual.dtypes)["date_key"] == "int"
    assert dict(actual.dtypes)["time_key"] == "int"
    assert_column_equality(actual, "date_key", "expected_date")
    assert_column_equality(actual, "time_key", "expected_time")
