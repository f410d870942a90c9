"""Posting client -> client family, device and OS, from the ``source`` label the API sent."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

# (pattern, client, device, os, is_automated), first match wins. Patterns are case-insensitive.
# Bot services name themselves ...bot ("HobbyFigureBot", "twittbot.net", "Cheap Bots, Done Quick!").
SOURCE_RULES = (
    (r"twitter for iphone", "Twitter app", "iPhone", "iOS", False),
    (r"twitter for ipad", "Twitter app", "iPad", "iOS", False),
    (r"twitter for android", "Twitter app", "Android", "Android", False),
    (r"twitter for mac", "Twitter app", "Mac", "macOS", False),
    (r"twitter web (app|client)", "Twitter web", "Web", "Web", False),
    (r"tweetdeck", "TweetDeck", "Web", "Web", False),
    (r"windows", "Other app", "Desktop", "Windows", False),
    (
        r"buffer|hootsuite|sprout ?social|later\b|sendible|socialbee|publer|loomly|agorapulse",
        "Scheduler",
        "Server",
        "unknown",
        True,
    ),
    (
        r"ifttt|zapier|dlvr\.it|echobox|make\.com|integromat|bots?\b|api\b|python|tweepy|gpt",
        "Automation",
        "Server",
        "unknown",
        True,
    ),
)
_FIELDS = ("client", "device", "os", "is_automated")


def parse_source(source: Column) -> Column:
    """A struct (client, device, os, is_automated) for a source label; unknowns for null labels."""
    lowered = F.lower(source)
    values = {"client": F.lit("Other app"), "device": F.lit("unknown"), "os": F.lit("unknown")}
    values["is_automated"] = F.lit(False)
    for pattern, *parts in reversed(SOURCE_RULES):
        matched = lowered.rlike(pattern)
        for field, part in zip(_FIELDS, parts):
            values[field] = F.when(matched, F.lit(part)).otherwise(values[field])
    unknown = {"client": F.lit("unknown"), "device": F.lit("unknown"), "os": F.lit("unknown")}
    unknown["is_automated"] = F.lit(None).cast("boolean")
    return F.struct(
        *[F.when(source.isNull(), unknown[field]).otherwise(values[field]).alias(field) for field in _FIELDS]
    )
