"""Facts of the X API v2 wire format that the collector, the importers, the sample and the transforms share.

Pure Python, no pyspark: the collector box has no Java. The transforms use the constants in Spark
expressions; the rest use the functions.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Union

# Tweet ids are snowflakes: milliseconds since this epoch (2010-11-04T01:42:54.657Z) in the bits above
# the lowest 22, which hold the machine and a sequence number.
SNOWFLAKE_EPOCH_MS = 1288834974657
SNOWFLAKE_TIME_SHIFT = 22
_SEQUENCE_MASK = (1 << SNOWFLAKE_TIME_SHIFT) - 1


def snowflake_id(moment: datetime, sequence: int = 0) -> str:
    """The id X would give a tweet made at ``moment`` (aware, or naive local time as ``timestamp()``
    reads it), with ``sequence`` in the low bits."""
    millis = int(moment.timestamp() * 1000) - SNOWFLAKE_EPOCH_MS
    return str((millis << SNOWFLAKE_TIME_SHIFT) | (sequence & _SEQUENCE_MASK))


def snowflake_time(tweet_id: Union[str, int]) -> datetime:
    """When a tweet was created, read from its snowflake id (ids from late 2010 on), in UTC."""
    milliseconds = (int(tweet_id) >> SNOWFLAKE_TIME_SHIFT) + SNOWFLAKE_EPOCH_MS
    return datetime.fromtimestamp(milliseconds / 1000, timezone.utc)


def format_api_timestamp(moment: datetime) -> str:
    """A UTC time as the API writes ``created_at``: ``2022-12-01T08:30:00.000Z`` (milliseconds, cut)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
