"""Raw pages in tests: X API v2 response pages written inline, and the raw files the collector and the
importers write, read back.

The pages take the shape of real X API v2 search and filtered-stream responses (see
../shared/data/x_api_v2_pages/kpop.jsonl), so the tests that use them never need the shared data.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, Dict, List

RETRIEVED = "2022-12-05T10:00:00+00:00"
# The provenance stamp the collector adds to every page it writes.
TWARC = {
    "url": "https://api.x.com/2/tweets/search/recent?query=chatgpt&max_results=100",
    "version": "0.1.0",
    "retrieved_at": RETRIEVED,
    "producer": "tweets-etl collect",
    "query_id": "3f2a9c0d1e4b",
}

ADA = {
    "id": "1433267766912557062",
    "username": "ada_codes",
    "name": "Ada",
    "created_at": "2021-09-02T03:17:52.000Z",
    "location": "London",
    "description": "Kpop \U0001f3b6 and prompts",
    "verified": False,
    "protected": False,
    "public_metrics": {"followers_count": 4, "following_count": 90, "tweet_count": 67, "listed_count": 0},
}
BOB = dict(ADA, id="902035056", username="bob_gpt", name="Bob")
# A tweet of Bob's that the tweets of a page retweet or quote: it comes in the page's includes.
ORIGINAL = {
    "id": "1598000000000000100",
    "text": "ChatGPT wrote a whole Python script for me #ChatGPT",
    "author_id": BOB["id"],
    "created_at": "2022-12-01T08:00:00.000Z",
}


def tweet(
    tweet_id: str, text: str = "ChatGPT is at capacity again", *, omit_none: bool = False, **fields: Any
) -> Dict[str, Any]:
    """A tweet object of Ada's with every field the collector asks for; ``fields`` add to or replace them.

    A field given as None is sent as JSON null, or with ``omit_none`` left out of the tweet, as the API
    leaves out what it does not have (a test of a missing field gives it as None).
    """
    base = {
        "id": tweet_id,
        "text": text,
        "created_at": "2022-12-05T09:59:00.000Z",
        "author_id": ADA["id"],
        "conversation_id": tweet_id,
        "lang": "en",
        "possibly_sensitive": False,
        "public_metrics": {"retweet_count": 1, "reply_count": 0, "like_count": 3, "quote_count": 0},
    }
    base.update(fields)
    if omit_none:
        return {key: value for key, value in base.items() if value is not None}
    return base


def page(tweets: Any, **parts: Any) -> str:
    """One raw line: an API response page of ``tweets`` (a list, or one tweet as the filtered stream
    sends it) with ``parts`` (includes, errors, meta, ...) and the provenance stamp ``__twarc``
    (TWARC unless ``parts`` gives one)."""
    body: Dict[str, Any] = {"data": tweets}
    body.update(parts)
    body.setdefault("__twarc", TWARC)
    return json.dumps(body, ensure_ascii=False)


def read_pages(out_dir: Path) -> List[Dict[str, Any]]:
    """Every page of every raw file (``*.jsonl.gz``) in ``out_dir``, in file then line order."""
    pages = []
    for path in sorted(Path(out_dir).glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            pages.extend(json.loads(line) for line in handle)
    return pages
