"""X API v1.1 tweets (old datasets, archives, REST and streaming dumps) -> v2 search pages.

Accepts one tweet per line, a JSON array, a REST search response (``statuses``), or a Twitter
archive's ``tweets.js``. The longest text wins: ``full_text`` (REST extended mode), then
``extended_tweet.full_text`` (streaming), then ``text``. Retweets and quotes become
``referenced_tweets`` with the original in ``includes.tweets``; ``user`` and ``place`` go to
``includes.users`` and ``includes.places``; ``source`` loses its HTML. Gnip activity-streams
records and stream control messages are reported, not converted. Ids come from ``id_str``; a bare
integer id is taken only up to 2**53 - 1, above which a JavaScript exporter may have rounded it.
A line that is not UTF-8 is rejected on its own; a damaged .gz keeps the lines before the damage.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from tweets_etl.collect.importers.common import (
    UNREADABLE_ERRORS,
    ImportStats,
    PageBuilder,
    RowRejectedError,
    check_id,
    open_binary,
    parse_time,
    read_json_lines,
    reject_unreadable,
)

_TAG = re.compile(r"<[^>]+>")
# The largest integer a JavaScript number (a double) holds exactly: Number.MAX_SAFE_INTEGER. Above
# it doubles are 2 or more apart (128 for ids of 2017, 256 for today's), so an id that went through
# JavaScript (JSON.stringify, a browser export) may have been rounded to its neighbour.
MAX_SAFE_INTEGER = 2**53 - 1
_MEDIA_KEY_PREFIX = {"photo": "3", "video": "7", "animated_gif": "16"}
Includes = Dict[str, List[Dict[str, Any]]]


def read_records(path: Path, stats: ImportStats) -> Iterator[Tuple[str, Any]]:
    """(where, record) for every JSON value in the file; broken lines are rejected as they come."""
    head = _head(path)
    if head.startswith(("[", "window.")):
        yield from _whole_file(path, stats)
        return
    if head.startswith("{") and not _first_line_parses(path):
        # A pretty-printed object spans lines; if the file is one JSON value, that is the record.
        whole = _parse_whole(path)
        if whole is not None:
            yield from _items(whole)
            return
    for where, line in read_json_lines(path, stats):
        try:
            record = json.loads(line)
        except ValueError:
            stats.rows_read += 1
            stats.reject("malformed_json", where, line)
            continue
        yield where, record


def _head(path: Path, size: int = 4096) -> str:
    """The start of the file, to tell its layout: as much of it as can be read.

    Damage here is not reported: whichever reader the layout picks meets it again and reports it.
    """
    data = b""
    with contextlib.suppress(*UNREADABLE_ERRORS), open_binary(path) as handle:
        # read1, not read: a truncated .gz under 4 KiB still shows its first bytes.
        while len(data) < size:
            chunk = handle.read1(size - len(data))
            if not chunk:
                break
            data += chunk
    return data.decode("utf-8-sig", "replace").lstrip()


def _first_line_parses(path: Path) -> bool:
    try:
        with open_binary(path) as handle:
            first = next((line for line in handle if line.strip()), b"{}")
        json.loads(first)
    except (ValueError, *UNREADABLE_ERRORS):
        return False
    return True


def _read_whole(path: Path) -> str:
    """The file as text, without a ``tweets.js`` assignment; raises what reading or decoding raises."""
    with open_binary(path) as handle:
        text = handle.read().decode("utf-8-sig")
    if text.lstrip().startswith("window."):
        text = text.split("=", 1)[1] if "=" in text else text
    return text


def _parse_whole(path: Path) -> Any:
    """The file as one JSON value, or None (the line reader then says what is wrong, line by line)."""
    try:
        return json.loads(_read_whole(path))
    except (ValueError, *UNREADABLE_ERRORS):
        return None


def _whole_file(path: Path, stats: ImportStats) -> Iterator[Tuple[str, Any]]:
    """The records of a JSON array or ``tweets.js``.

    The file is one JSON value, so when it cannot be read or decoded to the end it is one reject:
    there are no line boundaries to keep the part before the damage by.
    """
    try:
        text = _read_whole(path)
    except UNREADABLE_ERRORS as error:
        reject_unreadable(stats, error, lines_read=None)
        return
    except UnicodeDecodeError as error:
        stats.rows_read += 1
        byte = error.object[error.start]
        stats.reject("not_utf8", "whole file", f"byte {byte:#04x} at offset {error.start} is not UTF-8")
        return
    try:
        value = json.loads(text)
    except ValueError:
        stats.rows_read += 1
        stats.reject("malformed_json", "whole file", path.name)
        return
    yield from _items(value)


def _items(value: Any) -> Iterator[Tuple[str, Any]]:
    if isinstance(value, dict) and isinstance(value.get("statuses"), list):
        value = value["statuses"]
    items = value if isinstance(value, list) else [value]
    for index, item in enumerate(items, start=1):
        yield f"item {index}", item


def iter_pages(path: Path, stats: ImportStats, builder: PageBuilder) -> Iterator[Dict[str, Any]]:
    for where, record in read_records(path, stats):
        stats.rows_read += 1
        if isinstance(record, dict) and isinstance(record.get("tweet"), dict) and len(record) == 1:
            record = record["tweet"]
        try:
            tweet, includes = convert(record)
        except RowRejectedError as rejected:
            stats.reject(rejected.reason, where, record)
            continue
        yield from builder.add(tweet, includes)
    yield from builder.flush()


def convert(record: Any) -> Tuple[Dict[str, Any], Includes]:
    """One v1.1 tweet -> (v2 tweet, v2 includes), or RowRejectedError with the reason."""
    _check_kind(record)
    includes: Includes = {"users": [], "places": [], "tweets": [], "media": []}
    tweet = _tweet(record, includes)
    for kind in ("retweeted", "quoted"):
        original = record.get(f"{kind}_status")
        if isinstance(original, dict):
            try:
                _check_kind(original)
                includes["tweets"].append(_tweet(original, includes))
            except RowRejectedError:
                # The reference still names the original; only its copy in includes is missing.
                pass
    return tweet, {kind: objects for kind, objects in includes.items() if objects}


def _check_kind(record: Any) -> None:
    if not isinstance(record, dict):
        raise RowRejectedError("not_a_tweet")
    if "actor" in record or "verb" in record or "postedTime" in record:
        raise RowRejectedError("activity_streams_unsupported")
    if "delete" in record or "limit" in record or "scrub_geo" in record:
        raise RowRejectedError("stream_control_message")


def _tweet(record: Dict[str, Any], includes: Includes) -> Dict[str, Any]:
    tweet_id = _id(record)
    if tweet_id is None:
        raise RowRejectedError("missing_id")
    extended = record.get("extended_tweet") if isinstance(record.get("extended_tweet"), dict) else {}
    text = record.get("full_text") or extended.get("full_text") or record.get("text")
    if not isinstance(text, str) or not text:
        raise RowRejectedError("missing_text")
    created = record.get("created_at")
    if not isinstance(created, str):
        raise RowRejectedError("missing_created_at")
    try:
        created_at = parse_time(created)
    except ValueError:
        raise RowRejectedError("bad_created_at") from None

    tweet: Dict[str, Any] = {"id": tweet_id, "text": text, "created_at": created_at}
    user = _user(record.get("user"))
    if user:
        tweet["author_id"] = user["id"]
        includes["users"].append(user)
    for key in ("lang", "possibly_sensitive"):
        if record.get(key) is not None:
            tweet[key] = record[key]
    if isinstance(record.get("source"), str):
        tweet["source"] = html.unescape(_TAG.sub("", record["source"])).strip()
    reply_to_user = _id(record, "in_reply_to_user_id")
    if reply_to_user:
        tweet["in_reply_to_user_id"] = reply_to_user
    references = _references(record)
    if references:
        tweet["referenced_tweets"] = references
    metrics = _metrics(record)
    if metrics:
        tweet["public_metrics"] = metrics
    source_entities = extended.get("entities") or record.get("entities")
    entities = _entities(source_entities if isinstance(source_entities, dict) else {})
    media = _media(extended.get("extended_entities") or record.get("extended_entities") or {})
    if media:
        tweet["attachments"] = {"media_keys": [m["media_key"] for m in media]}
        includes["media"].extend(media)
    if entities:
        tweet["entities"] = entities
    geo = _geo(record, includes)
    if geo:
        tweet["geo"] = geo
    return tweet


def _id(record: Dict[str, Any], key: str = "id") -> Optional[str]:
    """The id from ``<key>_str`` if present, else from an integer that must be exact; else refused."""
    text = record.get(f"{key}_str")
    if isinstance(text, str) and text.strip():
        return check_id(text, field_name=key)
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, (float, bool)):
        # json gives a float only when the number was written with a fraction or exponent: digits lost.
        raise RowRejectedError(f"{key}_is_a_float")
    if isinstance(value, int) and value > MAX_SAFE_INTEGER:
        # Nothing tells an exact id from one a JavaScript exporter rounded to a double, and rounded ids
        # of different tweets can be equal: the pipeline would merge them into one. That is why the API
        # sends <key>_str; without it the id cannot be trusted.
        raise RowRejectedError(f"{key}_unsafe_integer")
    return check_id(str(value), field_name=key)


def _user(user: Any) -> Optional[Dict[str, Any]]:
    if not isinstance(user, dict):
        return None
    try:
        user_id = _id(user)
    except RowRejectedError:
        return None
    if not user_id:
        return None
    out: Dict[str, Any] = {"id": user_id}
    for v2_key, v1_key in (
        ("username", "screen_name"),
        ("name", "name"),
        ("description", "description"),
        ("location", "location"),
        ("url", "url"),
        ("verified", "verified"),
        ("protected", "protected"),
        ("profile_image_url", "profile_image_url_https"),
    ):
        if user.get(v1_key) is not None:
            out[v2_key] = user[v1_key]
    if isinstance(user.get("created_at"), str):
        with contextlib.suppress(ValueError):
            out["created_at"] = parse_time(user["created_at"])
    metrics = {
        v2_key: user[v1_key]
        for v2_key, v1_key in (
            ("followers_count", "followers_count"),
            ("following_count", "friends_count"),
            ("tweet_count", "statuses_count"),
            ("listed_count", "listed_count"),
        )
        if isinstance(user.get(v1_key), int)
    }
    if metrics:
        out["public_metrics"] = metrics
    return out


def _references(record: Dict[str, Any]) -> List[Dict[str, str]]:
    references = []
    for kind, key in (("retweeted", "retweeted_status"), ("quoted", "quoted_status")):
        original = record.get(key)
        original_id = None
        if isinstance(original, dict):
            try:
                original_id = _id(original)
            except RowRejectedError:
                original_id = None
        if original_id is None and kind == "quoted":
            try:
                original_id = _id(record, "quoted_status_id")
            except RowRejectedError:
                original_id = None
        if original_id:
            references.append({"type": kind, "id": original_id})
    try:
        replied = _id(record, "in_reply_to_status_id")
    except RowRejectedError:
        replied = None
    if replied:
        references.append({"type": "replied_to", "id": replied})
    return references


def _metrics(record: Dict[str, Any]) -> Dict[str, int]:
    pairs = (
        ("retweet_count", "retweet_count"),
        ("reply_count", "reply_count"),
        ("like_count", "favorite_count"),
        ("quote_count", "quote_count"),
    )
    return {
        v2: record[v1]
        for v2, v1 in pairs
        if isinstance(record.get(v1), int) and not isinstance(record[v1], bool)
    }


def _entities(entities: Dict[str, Any]) -> Dict[str, List[Dict[str, Any]]]:
    out: Dict[str, List[Dict[str, Any]]] = {}

    def span(item: Dict[str, Any]) -> Dict[str, int]:
        indices = item.get("indices") or [None, None]
        return {"start": indices[0], "end": indices[1]} if len(indices) == 2 else {}

    hashtags = [{**span(h), "tag": h["text"]} for h in entities.get("hashtags") or [] if h.get("text")]
    cashtags = [{**span(s), "tag": s["text"]} for s in entities.get("symbols") or [] if s.get("text")]
    mentions = [
        {**span(m), "username": m["screen_name"], **({"id": m["id_str"]} if m.get("id_str") else {})}
        for m in entities.get("user_mentions") or []
        if m.get("screen_name")
    ]
    urls = [
        {**span(u), **{k: u[k] for k in ("url", "expanded_url", "display_url") if u.get(k)}}
        for u in (entities.get("urls") or []) + (entities.get("media") or [])
        if u.get("url")
    ]
    for key, items in (
        ("hashtags", hashtags),
        ("cashtags", cashtags),
        ("mentions", mentions),
        ("urls", urls),
    ):
        if items:
            out[key] = items
    return out


def _media(extended_entities: Dict[str, Any]) -> List[Dict[str, Any]]:
    media = []
    for item in extended_entities.get("media") or []:
        kind, media_id = item.get("type"), item.get("id_str")
        if kind in _MEDIA_KEY_PREFIX and media_id:
            entry = {"media_key": f"{_MEDIA_KEY_PREFIX[kind]}_{media_id}", "type": kind}
            if item.get("media_url_https"):
                entry["url"] = item["media_url_https"]
            media.append(entry)
    return media


def _geo(record: Dict[str, Any], includes: Includes) -> Dict[str, Any]:
    geo: Dict[str, Any] = {}
    place = record.get("place")
    if isinstance(place, dict) and place.get("id"):
        geo["place_id"] = place["id"]
        includes["places"].append(_place(place))
    point = record.get("coordinates")
    if isinstance(point, dict) and isinstance(point.get("coordinates"), list):
        geo["coordinates"] = {"type": "Point", "coordinates": point["coordinates"]}
    return geo


def _place(place: Dict[str, Any]) -> Dict[str, Any]:
    out = {
        key: place[key]
        for key in ("id", "full_name", "name", "country", "country_code", "place_type")
        if place.get(key)
    }
    box = place.get("bounding_box")
    corners = box.get("coordinates") if isinstance(box, dict) else None
    if corners and isinstance(corners, list) and corners and isinstance(corners[0], list) and corners[0]:
        points = [p for p in corners[0] if isinstance(p, list) and len(p) == 2]
        if points:
            longitudes, latitudes = [p[0] for p in points], [p[1] for p in points]
            out["geo"] = {
                "type": "Feature",
                "bbox": [min(longitudes), min(latitudes), max(longitudes), max(latitudes)],
                "properties": {},
            }
    return out
