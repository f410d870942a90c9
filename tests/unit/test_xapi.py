"""X API wire-format facts: snowflake ids and times, and the API's created_at format."""

from __future__ import annotations

from datetime import datetime, timezone

from tweets_etl.xapi import SNOWFLAKE_EPOCH_MS, format_api_timestamp, snowflake_id, snowflake_time


def test_a_real_id_gives_its_creation_time():
    assert snowflake_time("1440717170493689866") == datetime(2021, 9, 22, 16, 38, 35, 333000, timezone.utc)
    assert snowflake_time(1440717170493689866) == snowflake_time("1440717170493689866")


def test_an_id_made_for_a_time_reads_back_as_that_time_and_keeps_its_sequence():
    moment = datetime(2022, 12, 1, 8, 30, 5, 123000, timezone.utc)
    made = snowflake_id(moment, 41)
    assert snowflake_time(made) == moment
    assert int(made) & 0x3FFFFF == 41
    assert snowflake_id(moment, 41 + (1 << 22)) == made, "the sequence wraps inside its 22 bits"


def test_the_epoch_is_x_s():
    assert datetime.fromtimestamp(SNOWFLAKE_EPOCH_MS / 1000, timezone.utc) == datetime(
        2010, 11, 4, 1, 42, 54, 657000, timezone.utc
    )


def test_api_timestamps_have_milliseconds_cut_not_rounded():
    assert format_api_timestamp(datetime(2022, 12, 1, 8, 30, 0, 999999)) == "2022-12-01T08:30:00.999Z"
    assert format_api_timestamp(datetime(2022, 12, 1, tzinfo=timezone.utc)) == "2022-12-01T00:00:00.000Z"
