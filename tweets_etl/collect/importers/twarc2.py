"""twarc2 JSONL -> our raw pages: API pages pass through as they are, flattened tweets are regrouped.

``twarc2 search`` writes one API response page per line, which is our raw format already: each line
is checked (JSON, a response object) and written unchanged, keeping twarc's ``__twarc`` provenance
and adding who imported it from which file. A filtered-stream line (``data`` is one tweet) becomes a
page of one.

``twarc2 flatten`` writes one tweet per line with its expansions copied inline (``author``,
``in_reply_to_user``, places merged into ``geo``, users merged into ``entities.mentions``, whole
tweets merged into ``referenced_tweets``, ``attachments.media``/``poll``, ``__twarc``). Those lines
are turned back into v2 tweets plus ``includes`` and regrouped into pages of up to 100 tweets that
share a provenance stamp.

X API v1.1 tweets (``twarc`` 1 output, old datasets) also have ``id`` and ``text``, but their fields are
not v2's: loaded as v2 they would lose their author, hashtags and metrics, and a numeric id that a
JavaScript exporter rounded would load as a second copy of its tweet. A tweet with any key that v1.1
sends and v2 never does (``id_str``, a ``user`` object, ``favorite_count``, ``full_text``,
``extended_tweet``) is rejected as ``v1_tweet``, whether it is a line of its own or in a page's
``data``; the summary says to use ``--format v1``.

The API sends every id as a string; a tweet whose ``id`` is a JSON number gets its decimal string up to
2**53 - 1 and is rejected above it as ``id_unsafe_integer``, the v1 importer's rule. A page is written
with the tweets it has left, and not at all when it has none left.

Lines are read by ``common.read_json_lines``: a line that is not UTF-8 is rejected on its own, and a
damaged .gz keeps the lines before the damage and rejects the rest as ``unreadable_file``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from tweets_etl.collect.importers.common import ImportStats, PageBuilder, read_json_lines
from tweets_etl.collect.importers.v1 import MAX_SAFE_INTEGER
from tweets_etl.rawfiles import PROVENANCE_KEY

_PAGE_KEYS = ("data", "includes", "meta", "errors")
_MENTION_KEYS = {"start", "end", "username", "id"}
_GEO_KEYS = {"place_id", "coordinates"}
# Keys of a v1.1 tweet that no v2 tweet has (v2 has author_id, public_metrics and note_tweet instead):
# every v1.1 tweet from the API has id_str and user; the others catch exports trimmed of those two.
_V1_ONLY_KEYS = ("id_str", "favorite_count", "full_text", "extended_tweet")
Includes = Dict[str, List[Dict[str, Any]]]


def iter_pages(
    path: Path,
    stats: ImportStats,
    builder: PageBuilder,
    *,
    stamp: Callable[[Optional[Dict[str, Any]]], Dict[str, Any]],
) -> Iterator[Dict[str, Any]]:
    """``stamp(original)`` returns the provenance for a page given the ``__twarc`` it came with."""
    group_key: Optional[str] = None
    for where, line in read_json_lines(path, stats):
        stats.rows_read += 1
        try:
            obj = json.loads(line)
        except ValueError:
            stats.reject("malformed_json", where, line)
            continue
        if not isinstance(obj, dict):
            stats.reject("not_a_page", where, line)
        elif is_v1_tweet(obj):
            stats.reject("v1_tweet", where, line)
        elif any(key in obj for key in _PAGE_KEYS):
            yield from builder.flush()
            page = _as_page(obj, stats, stamp, where)
            if page is not None:
                yield page
        elif "id" in obj and ("text" in obj or "author" in obj or PROVENANCE_KEY in obj):
            reason = _integer_id(obj, stats)
            if reason:
                stats.reject(reason, where, line)
                continue
            original = obj.get(PROVENANCE_KEY) if isinstance(obj.get(PROVENANCE_KEY), dict) else None
            key = json.dumps(original, sort_keys=True)
            if key != group_key:
                yield from builder.flush()
                group_key = key
                builder.stamp = lambda original=original: stamp(original)
            tweet, includes = unflatten(obj)
            stats.warnings["flattened_tweets_regrouped"] += 1
            yield from builder.add(tweet, includes)
        else:
            stats.reject("not_a_page", where, line)
    yield from builder.flush()


def is_v1_tweet(obj: Any) -> bool:
    """A v1.1 tweet, which this importer must not take for a v2 one (see the module docstring)."""
    return isinstance(obj, dict) and (
        any(key in obj for key in _V1_ONLY_KEYS) or isinstance(obj.get("user"), dict)
    )


def _as_page(
    obj: Dict[str, Any], stats: ImportStats, stamp: Callable[..., Dict[str, Any]], where: str
) -> Optional[Dict[str, Any]]:
    """The page to write, or None when every tweet it had was rejected (those rejects account for it)."""
    page = dict(obj)
    if isinstance(page.get("data"), dict):
        page["data"] = [page["data"]]
        stats.warnings["stream_lines_made_pages"] += 1
    if isinstance(page.get("data"), list) and page["data"]:
        kept = []
        for index, tweet in enumerate(page["data"], start=1):
            reason = _page_tweet_reason(tweet, stats)
            if reason:
                stats.reject(reason, f"{where} tweet {index}", tweet)
            else:
                kept.append(tweet)
        if not kept:
            # Written, it would only come back from the pipeline as one more reject (empty_page).
            stats.warnings["pages_with_every_tweet_rejected_not_written"] += 1
            return None
        page["data"] = kept
    for tweet in page.get("data") or []:
        if not (isinstance(tweet, dict) and isinstance(tweet.get("id"), str) and tweet["id"].isdigit()):
            # Left as it is: the pipeline quarantines a missing id (missing_id) and one that is not a
            # decimal integer, e.g. a float or a negative number (invalid_id). Integer ids are dealt with
            # in _integer_id, since Spark reads a JSON number into the string id as its digits.
            stats.warnings["tweets_without_a_string_id"] += 1
    original = page.pop(PROVENANCE_KEY, None)
    page[PROVENANCE_KEY] = stamp(original if isinstance(original, dict) else None)
    return page


def _page_tweet_reason(tweet: Any, stats: ImportStats) -> Optional[str]:
    """Why a tweet in a page's ``data`` is rejected here, or None to keep it (its id made a string)."""
    if is_v1_tweet(tweet):
        return "v1_tweet"
    return _integer_id(tweet, stats)


def _integer_id(tweet: Any, stats: ImportStats) -> Optional[str]:
    """A tweet's JSON-number id made its decimal string in place, or ``id_unsafe_integer`` to reject it.

    The API always sends ids as strings; a number was written by some other tool. The pipeline would
    take its digits as they are, so the v1 importer's rule applies: exact only up to 2**53 - 1.
    """
    value = tweet.get("id") if isinstance(tweet, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return None
    if value > MAX_SAFE_INTEGER:
        # A JavaScript exporter may have rounded it to a neighbour (872836479608733700 for ...696): the
        # same tweet would load twice, or two tweets as one, and nothing here tells which ids are exact.
        return "id_unsafe_integer"
    tweet["id"] = str(value)
    stats.warnings["integer_ids_made_strings"] += 1
    return None


def unflatten(flat: Dict[str, Any]) -> Tuple[Dict[str, Any], Includes]:
    """A twarc2-flattened tweet -> (v2 tweet, includes): expansions moved back out of the tweet."""
    includes: Includes = {"users": [], "places": [], "tweets": [], "media": [], "polls": []}
    tweet = _unflatten_tweet(copy.deepcopy(flat), includes)
    return tweet, {kind: objects for kind, objects in includes.items() if objects}


def _unflatten_tweet(tweet: Dict[str, Any], includes: Includes) -> Dict[str, Any]:
    tweet.pop(PROVENANCE_KEY, None)
    tweet.pop("matching_rules", None)
    for key in ("author", "in_reply_to_user"):
        _add_user(tweet.pop(key, None), includes)
    geo = tweet.get("geo")
    if isinstance(geo, dict) and geo.get("place_id"):
        place = {k: v for k, v in geo.items() if k not in _GEO_KEYS}
        if place.get("id"):
            includes["places"].append(place)
        tweet["geo"] = {k: v for k, v in geo.items() if k in _GEO_KEYS}
    attachments = tweet.get("attachments")
    if isinstance(attachments, dict):
        for media in attachments.pop("media", None) or []:
            if isinstance(media, dict) and media.get("media_key"):
                includes["media"].append(media)
        poll = attachments.pop("poll", None)
        if isinstance(poll, dict) and poll.get("id"):
            includes["polls"].append(poll)
    entities = tweet.get("entities")
    if isinstance(entities, dict) and isinstance(entities.get("mentions"), list):
        mentions = []
        for mention in entities["mentions"]:
            if isinstance(mention, dict):
                user = {k: v for k, v in mention.items() if k not in ("start", "end")}
                if len(user) > 2:
                    _add_user(user, includes)
                mentions.append({k: v for k, v in mention.items() if k in _MENTION_KEYS})
        entities["mentions"] = mentions
    references = tweet.get("referenced_tweets")
    if isinstance(references, list):
        kept = []
        for reference in references:
            if not isinstance(reference, dict):
                continue
            kept.append({"type": reference.get("type"), "id": reference.get("id")})
            original = {k: v for k, v in reference.items() if k != "type"}
            if original.get("id") and (original.get("text") or original.get("author")):
                includes["tweets"].append(_unflatten_tweet(original, includes))
        tweet["referenced_tweets"] = kept
    return tweet


def _add_user(user: Any, includes: Includes) -> None:
    if isinstance(user, dict) and user.get("id"):
        user = dict(user)
        user.pop("pinned_tweet", None)
        includes["users"].append(user)
