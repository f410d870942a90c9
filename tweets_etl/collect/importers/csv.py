"""CSV exports -> v2 search pages, through a column mapping (a preset or ``--columns``).

Every cell is read as text (the ``csv`` module never guesses types), so ids cannot pass through a
float; an id already spoilt by a spreadsheet (``1.27584E+18``) rejects its row. Rows without an id
get a synthetic one (see ``common``) from their text, time and author only, so a refreshed export
with new metrics keeps its ids. Quoted multi-line text, a BOM, Windows line endings and spreadsheet
nulls (``#N/A``, ``NA``, ``null``, ...) are handled; rows that cannot be used are counted by reason.
A file in another encoding fails as a whole (the fix is ``--encoding``); a damaged .gz keeps the rows
before the damage and rejects the rest as ``unreadable_file``. A city and country become a v2 place
(``includes.places``) referenced by the tweet's ``geo.place_id``; without a user column the tweet has
no ``author_id``.
"""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from tweets_etl.collect.errors import ImportInputError, ImportOptionError
from tweets_etl.collect.importers.common import (
    UNREADABLE_ERRORS,
    ImportStats,
    PageBuilder,
    RowRejectedError,
    check_id,
    entities_from_text,
    is_null,
    open_text,
    parse_time,
    place_id,
    reject_unreadable,
    synthetic_id,
)

# What a column can be mapped to, and what it means.
TARGETS: Dict[str, str] = {
    "id": "tweet id (digits); missing -> a synthetic id",
    "text": "tweet text (required)",
    "created_at": "tweet time, ISO 8601 or v1.1 style (required)",
    "lang": "language code, e.g. en",
    "source": "posting client, e.g. Twitter for iPhone",
    "conversation_id": "id of the conversation's first tweet",
    "in_reply_to_user_id": "id of the user replied to",
    "retweeted_id": "id of the retweeted tweet",
    "quoted_id": "id of the quoted tweet",
    "replied_to_id": "id of the tweet replied to",
    "retweet_count": "public metric",
    "reply_count": "public metric",
    "like_count": "public metric",
    "quote_count": "public metric",
    "impression_count": "public metric",
    "author_id": "user id (digits)",
    "username": "user handle without @ (a synthetic author_id when there is no author_id)",
    "user_name": "user display name",
    "user_location": "free-text profile location",
    "user_description": "profile bio",
    "user_created_at": "account creation time",
    "user_verified": "true/false",
    "followers_count": "user metric",
    "following_count": "user metric",
    "place_id": "X place id",
    "place": "place full name, e.g. 'Lagos, Nigeria'",
    "city": "city (with country -> place 'City, Country')",
    "country": "country name",
    "country_code": "ISO country code",
}
REQUIRED = ("text", "created_at")
PRESETS: Dict[str, Dict[str, str]] = {
    # Kaggle-style "ChatGPT tweets" exports: Date,Tweet,City,Country
    "kaggle": {"created_at": "Date", "text": "Tweet", "city": "City", "country": "Country"},
}
_TWEET_METRICS = ("retweet_count", "reply_count", "like_count", "quote_count", "impression_count")
_USER_METRICS = ("followers_count", "following_count")
_ID_TARGETS = (
    "id",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "retweeted_id",
    "quoted_id",
    "replied_to_id",
)
# A cell holding a whole broken file must not exhaust memory; 16 MiB is far above any tweet.
_FIELD_LIMIT = 16 * 1024 * 1024


def parse_columns(spec: str) -> Dict[str, str]:
    """``text=Tweet,created_at=Date`` -> {target: column}, checked against :data:`TARGETS`."""
    mapping: Dict[str, str] = {}
    for part in (p for p in spec.split(",") if p.strip()):
        target, sep, column = part.partition("=")
        target, column = target.strip(), column.strip()
        if not sep or not target or not column:
            raise ImportOptionError(f"--columns entry {part.strip()!r} must look like target=Column")
        if target not in TARGETS:
            raise ImportOptionError(
                f"--columns names unknown target {target!r}; known targets: {', '.join(TARGETS)}"
            )
        mapping[target] = column
    return mapping


def resolve_mapping(preset: Optional[str], columns: Optional[str]) -> Dict[str, str]:
    if preset and columns:
        raise ImportOptionError("use either --preset or --columns, not both")
    if preset:
        if preset not in PRESETS:
            raise ImportOptionError(f"unknown --preset {preset!r}; known presets: {', '.join(PRESETS)}")
        return dict(PRESETS[preset])
    if not columns:
        raise ImportOptionError(
            "CSV import needs a column mapping: --preset kaggle, or --columns text=COL,created_at=COL,..."
        )
    mapping = parse_columns(columns)
    missing = [target for target in REQUIRED if target not in mapping]
    if missing:
        raise ImportOptionError(
            f"--columns must map {' and '.join(missing)} (e.g. text=Tweet,created_at=Date)"
        )
    return mapping


def iter_pages(
    path: Path,
    stats: ImportStats,
    builder: PageBuilder,
    *,
    mapping: Mapping[str, str],
    encoding: str = "utf-8-sig",
) -> Iterator[Dict[str, Any]]:
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    with open_text(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = _header(reader, path)
        except UnicodeDecodeError as error:
            raise _not_text(path, encoding, error, 1) from None
        except UNREADABLE_ERRORS as error:
            reject_unreadable(stats, error, lines_read=0)
            return
        positions = _positions(header, mapping, path)
        for where, row in _rows(reader, stats, path, encoding):
            if not row or all(not cell.strip() for cell in row):
                stats.blank_lines += 1
                continue
            stats.rows_read += 1
            if len(row) != len(header):
                stats.reject("wrong_field_count", where, row)
                continue
            try:
                tweet, includes, synthetic = convert_row(row, positions, stats)
            except RowRejectedError as rejected:
                stats.reject(rejected.reason, where, row)
                continue
            stats.synthetic_ids += synthetic
            yield from builder.add(tweet, includes)
    yield from builder.flush()


def _rows(reader: Any, stats: ImportStats, path: Path, encoding: str) -> Iterator[Tuple[str, List[str]]]:
    """(where, row) for every row after the header; rows the csv module cannot parse are rejected."""
    previous_line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as error:
            # The whole file is in another encoding: fail it, the fix is --encoding.
            raise _not_text(path, encoding, error, previous_line + 1) from None
        except csv.Error as error:
            stats.rows_read += 1
            stats.reject("unparseable_row", _lines(previous_line, reader.line_num), str(error))
            previous_line = reader.line_num
            continue
        except UNREADABLE_ERRORS as error:
            # A damaged .gz: the rows before the damage are whole and kept, the rest is one reject.
            reject_unreadable(stats, error, lines_read=previous_line)
            return
        where = _lines(previous_line, reader.line_num)
        previous_line = reader.line_num
        yield where, row


def _not_text(path: Path, encoding: str, error: UnicodeDecodeError, line: int) -> ImportInputError:
    # The decoder reads ahead in blocks, so the line is where reading stopped, not an exact position.
    return ImportInputError(
        f"{path.name} is not {encoding} text (byte {error.object[error.start]:#04x} at or after line {line}); "
        "re-save it as UTF-8 or pass --encoding"
    )


def _lines(previous: int, current: int) -> str:
    return f"line {current}" if current <= previous + 1 else f"lines {previous + 1}-{current}"


def _header(reader: Any, path: Path) -> List[str]:
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as error:
        raise ImportInputError(f"{path.name} has an unreadable header row ({error})") from None
    return [name.strip().lstrip("\ufeff") for name in header]


def _positions(header: List[str], mapping: Mapping[str, str], path: Path) -> Dict[str, int]:
    if not header:
        return {}
    exact = {name: index for index, name in reversed(list(enumerate(header)))}
    folded = {name.lower(): index for index, name in reversed(list(enumerate(header)))}
    positions = {}
    for target, column in mapping.items():
        index = exact.get(column, folded.get(column.lower()))
        if index is None:
            raise ImportInputError(
                f"{path.name} has no column {column!r} (for {target}); its columns are: {', '.join(header)}"
            )
        positions[target] = index
    return positions


def convert_row(
    row: List[str], positions: Mapping[str, int], stats: ImportStats
) -> Tuple[Dict[str, Any], Dict[str, List[Dict[str, Any]]], int]:
    """One CSV row -> (v2 tweet, includes, number of synthetic ids made), or RowRejectedError."""
    values: Dict[str, str] = {}
    for target, index in positions.items():
        cell = row[index]
        if not is_null(cell):
            values[target] = (
                cell.replace("\r\n", "\n").strip() if target != "text" else cell.replace("\r\n", "\n")
            )
    text = values.get("text")
    if text is None or not text.strip():
        raise RowRejectedError("missing_text")
    if "created_at" not in values:
        raise RowRejectedError("missing_created_at")
    try:
        values["created_at"] = parse_time(values["created_at"])
    except ValueError:
        raise RowRejectedError("bad_created_at") from None
    ids = {
        target: check_id(values.get(target), field_name=target) for target in _ID_TARGETS if target in values
    }

    synthetic = 0
    tweet_id = ids.get("id")
    if tweet_id is None:
        tweet_id = _synthetic_tweet_id(values, ids.get("author_id"))
        synthetic += 1
    tweet: Dict[str, Any] = {"id": tweet_id, "text": text, "created_at": values["created_at"]}
    includes: Dict[str, List[Dict[str, Any]]] = {}

    user = _user(values, ids.get("author_id"))
    if user:
        tweet["author_id"] = user["id"]
        includes["users"] = [user]
        if "author_id" not in ids:
            synthetic += 1
    for key in ("lang", "source"):
        if key in values:
            tweet[key] = values[key]
    for key in ("conversation_id", "in_reply_to_user_id"):
        if key in ids:
            tweet[key] = ids[key]
    references = [
        {"type": kind, "id": ids[f"{kind}_id"]}
        for kind in ("retweeted", "quoted", "replied_to")
        if f"{kind}_id" in ids
    ]
    if references:
        tweet["referenced_tweets"] = references
    metrics = _numbers(values, _TWEET_METRICS, stats)
    if metrics:
        tweet["public_metrics"] = metrics
    entities = entities_from_text(text)
    if entities:
        tweet["entities"] = entities
    place = _place(values)
    if place:
        tweet["geo"] = {"place_id": place["id"]}
        if len(place) > 1:
            includes["places"] = [place]
    return tweet, includes, synthetic


def _synthetic_tweet_id(values: Mapping[str, str], author_id: Optional[str]) -> str:
    """An id for a row without one, from what a tweet never changes: its text, time and author.

    Metrics, profile fields and places differ between two exports of the same tweets (and which
    columns are mapped is up to the user), so hashing them gave a refreshed export new ids and the
    pipeline counted every tweet twice.
    """
    stable = {"text": values["text"], "created_at": values["created_at"]}
    username = values.get("username", "").lstrip("@").lower()
    if author_id:
        stable["author_id"] = author_id
    elif username:
        stable["username"] = username
    return synthetic_id("tweet", stable)


def _user(values: Mapping[str, str], author_id: Optional[str]) -> Optional[Dict[str, Any]]:
    username = values.get("username", "").lstrip("@") or None
    if author_id is None and username is None:
        return None
    user: Dict[str, Any] = {"id": author_id or synthetic_id("user", {"username": username.lower()})}
    if username:
        user["username"] = username
    for v2_key, target in (
        ("name", "user_name"),
        ("location", "user_location"),
        ("description", "user_description"),
    ):
        if target in values:
            user[v2_key] = values[target]
    if "user_created_at" in values:
        with contextlib.suppress(ValueError):
            user["created_at"] = parse_time(values["user_created_at"])
    if "user_verified" in values:
        flag = values["user_verified"].strip().lower()
        if flag in ("true", "1", "yes", "t", "false", "0", "no", "f"):
            user["verified"] = flag in ("true", "1", "yes", "t")
    metrics = _numbers(values, _USER_METRICS, None)
    if metrics:
        user["public_metrics"] = metrics
    return user


def _numbers(
    values: Mapping[str, str], keys: Tuple[str, ...], stats: Optional[ImportStats]
) -> Dict[str, int]:
    numbers = {}
    for key in keys:
        if key in values:
            text = values[key].replace(",", "").replace("_", "").strip()
            if text.isdigit():
                numbers[key] = int(text)
            elif stats is not None:
                stats.warnings[f"{key}_not_a_whole_number"] += 1
    return numbers


def _place(values: Mapping[str, str]) -> Optional[Dict[str, Any]]:
    city, country = values.get("city"), values.get("country")
    full_name = values.get("place") or ", ".join(part for part in (city, country) if part) or None
    if "place_id" in values:
        place: Dict[str, Any] = {"id": values["place_id"]}
    elif full_name:
        place = {"id": place_id(full_name, country)}
    else:
        return None
    if full_name:
        place["full_name"] = full_name
        place["name"] = city or full_name.split(",")[0].strip()
        place["place_type"] = (
            "city" if city else "country" if country and not values.get("place") else "unknown"
        )
    if country:
        place["country"] = country
    if "country_code" in values:
        place["country_code"] = values["country_code"]
    return place
