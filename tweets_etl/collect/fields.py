"""What the collector asks the X API v2 for, and the checks a request must pass before it is sent.

The API rejects a bad combination with a 400 only after spending a request from the rate-limit window,
so query length, page size and time bounds are checked here first, each with a sentence that says how
to fix it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from typing import Dict, Optional, Tuple

from tweets_etl.collect.errors import RequestCheckError

TWEET_FIELDS = (
    "attachments",
    "author_id",
    "context_annotations",
    "conversation_id",
    "created_at",
    "edit_controls",
    "edit_history_tweet_ids",
    "entities",
    "geo",
    "id",
    "in_reply_to_user_id",
    "lang",
    "note_tweet",
    "possibly_sensitive",
    "public_metrics",
    "referenced_tweets",
    "reply_settings",
    "source",
    "text",
    "withheld",
)
USER_FIELDS = (
    "created_at",
    "description",
    "entities",
    "id",
    "location",
    "name",
    "pinned_tweet_id",
    "profile_image_url",
    "protected",
    "public_metrics",
    "url",
    "username",
    "verified",
    "verified_type",
    "withheld",
)
PLACE_FIELDS = ("contained_within", "country", "country_code", "full_name", "geo", "id", "name", "place_type")
MEDIA_FIELDS = (
    "alt_text",
    "duration_ms",
    "height",
    "media_key",
    "preview_image_url",
    "public_metrics",
    "type",
    "url",
    "variants",
    "width",
)
POLL_FIELDS = ("duration_minutes", "end_datetime", "id", "options", "voting_status")
EXPANSIONS = (
    "author_id",
    "in_reply_to_user_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
    "entities.mentions.username",
    "attachments.poll_ids",
    "attachments.media_keys",
    "geo.place_id",
    "edit_history_tweet_ids",
)

# Self-serve limits from the X API docs ("Build a query"); Enterprise allows longer queries.
MAX_QUERY_LENGTH_RECENT = 512
MAX_QUERY_LENGTH_ARCHIVE = 1024
MIN_PAGE_SIZE = 10
# Full-archive search allows 500, but not together with context_annotations, which we always request.
MAX_PAGE_SIZE = 100
RECENT_SEARCH_DAYS = 7
# The API refuses an end_time closer than 10 seconds to the time of the request.
MIN_END_TIME_LAG = timedelta(seconds=10)

_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def effective_query(query: str, *, include_retweets: bool) -> str:
    """The query as sent: whitespace collapsed, and ``-is:retweet`` added when retweets are off."""
    text = " ".join((query or "").split())
    if not text:
        raise RequestCheckError("the search query is empty; set collect.query or pass --query")
    if not include_retweets and "-is:retweet" not in text:
        # A space binds tighter than OR in the query language, so a query with OR is grouped first.
        text = f"({text}) -is:retweet" if " OR " in text else f"{text} -is:retweet"
    return text


def query_id(query: str, *, archive: bool) -> str:
    """A short stable name for a query: the state file, the lock and raw file names all use it."""
    kind = "archive" if archive else "recent"
    return hashlib.sha256(f"{kind}\n{' '.join(query.split())}".encode()).hexdigest()[:12]


def check_query(query: str, *, archive: bool) -> None:
    limit = MAX_QUERY_LENGTH_ARCHIVE if archive else MAX_QUERY_LENGTH_RECENT
    if len(query) > limit:
        where = "full-archive" if archive else "recent"
        raise RequestCheckError(
            f"the search query is {len(query)} characters long; {where} search accepts at most {limit}, "
            "so shorten it or split it into several queries"
        )


def check_page_size(max_results: int) -> None:
    if not MIN_PAGE_SIZE <= max_results <= MAX_PAGE_SIZE:
        raise RequestCheckError(
            f"page size {max_results} is out of range; the X API accepts {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE} "
            "tweets per page with the fields we request (set collect.page_size)"
        )


def parse_rfc3339(value: str, *, option: str) -> datetime:
    """Parse an RFC 3339 time with an explicit offset (``2023-01-31T00:00:00Z``) into aware UTC."""
    match = _RFC3339.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise RequestCheckError(
            f"{option} {value!r} is not an RFC 3339 time; write it like 2023-01-31T00:00:00Z"
        )
    text = value.strip().replace("z", "Z").replace("Z", "+00:00")
    text = text[:10] + "T" + text[11:]
    try:
        parsed = datetime.fromisoformat(_trim_fraction(text))
    except ValueError:
        raise RequestCheckError(
            f"{option} {value!r} is not a real date and time; write it like 2023-01-31T00:00:00Z"
        ) from None
    return parsed.astimezone(timezone.utc)


def _trim_fraction(text: str) -> str:
    # Python 3.9's fromisoformat accepts only 3 or 6 fractional digits; the API keeps seconds anyway.
    return re.sub(r"\.\d+", "", text)


def format_api_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_time_window(
    start: Optional[datetime], end: Optional[datetime], *, archive: bool, now: datetime
) -> None:
    """The checks the API would make on start_time/end_time, made before spending a request."""
    if start and end and start >= end:
        raise RequestCheckError(
            f"--start-time {format_api_time(start)} is not before --end-time {format_api_time(end)}"
        )
    if end and end > now - MIN_END_TIME_LAG:
        raise RequestCheckError(
            f"--end-time {format_api_time(end)} must be at least 10 seconds in the past; "
            "leave it out to search up to now"
        )
    oldest = now - timedelta(days=RECENT_SEARCH_DAYS)
    if not archive:
        for option, moment in (("--start-time", start), ("--end-time", end)):
            if moment and moment < oldest:
                raise RequestCheckError(
                    f"{option} {format_api_time(moment)} is older than 7 days, which recent search "
                    "cannot reach; use --archive (full-archive access) for older tweets"
                )


def search_params(
    query: str,
    *,
    max_results: int,
    next_token: Optional[str] = None,
    since_id: Optional[str] = None,
    start_time: Optional[str] = None,
    end_time: Optional[str] = None,
) -> Dict[str, object]:
    """Keyword arguments for tweepy's ``search_recent_tweets``/``search_all_tweets``, all checked."""
    check_page_size(max_results)
    params: Dict[str, object] = {
        "query": query,
        "max_results": max_results,
        "expansions": list(EXPANSIONS),
        "tweet_fields": list(TWEET_FIELDS),
        "user_fields": list(USER_FIELDS),
        "place_fields": list(PLACE_FIELDS),
        "media_fields": list(MEDIA_FIELDS),
        "poll_fields": list(POLL_FIELDS),
    }
    optional: Tuple[Tuple[str, Optional[str]], ...] = (
        ("next_token", next_token),
        ("since_id", since_id),
        ("start_time", start_time),
        ("end_time", end_time),
    )
    params.update({key: value for key, value in optional if value})
    return params
