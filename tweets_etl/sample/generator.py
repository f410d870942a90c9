"""A seeded generator of realistic raw X API v2 search pages about ChatGPT.

It feeds ``make run`` on a fresh machine (no API access needed) and ``make bench`` at scale. Pages
have the shape of ``GET /2/tweets/search/recent`` with every field and expansion the collector
requests: originals, retweets (truncated ``RT @x:`` text, the full original in
``includes.tweets``), quotes, replies, long posts with ``note_tweet``, emoji, HTML entities, several
languages, places, photos, videos and GIFs in ``includes.media``, a ``source`` on older tweets, and
users seen many times with growing follower counts. Like real collections, some tweets appear again
in a later file with fresher metrics, and a few lines are broken.

Pure Python (no Spark): the same seed always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlencode

from tweets_etl import __version__, rawfiles, xapi
from tweets_etl.config import PipelineConfig
from tweets_etl.rawfiles import PROVENANCE_KEY, RawPageWriter, provenance
from tweets_etl.sample import texts
from tweets_etl.xapi import format_api_timestamp, snowflake_id

SEARCH_URL = "https://api.x.com/2/tweets/search/recent"
PAGE_SIZE = 100
DAMAGED_FILE = "sample-99-damaged.jsonl"
# Every name write_sample gives a file: the raw files RawPageWriter names after their prefix, their
# manifests, and the file of broken lines.
_SAMPLE_FILE = re.compile(
    r"sample-\d{2,}-\d{8}T\d{6}Z-\d{4,}\.jsonl\.gz(\.manifest\.json)?|" + re.escape(DAMAGED_FILE)
)


@dataclass(frozen=True)
class SampleSpec:
    """How much and what kind of data to generate (defaults: the bundled sample)."""

    tweets: int = PipelineConfig.sample_tweets
    seed: int = PipelineConfig.sample_seed
    files: int = 3
    start: datetime = datetime(2022, 12, 1, tzinfo=timezone.utc)
    days: int = 10
    retweet_share: float = 0.4
    quote_share: float = 0.08
    reply_share: float = 0.12
    repeat_share: float = 0.05
    malformed_lines: int = 3
    long_post_share: float = 0.04
    place_share: float = 0.06
    media_share: float = 0.12  # originals with photos, videos or GIFs (real search pages: 6-18%)
    users: Optional[int] = None
    page_size: int = PAGE_SIZE


class _World:
    """Users, places and the running state the tweets are drawn from."""

    def __init__(self, spec: SampleSpec, rng: random.Random) -> None:
        self.rng = rng
        count = spec.users or max(20, spec.tweets // 8)
        self.users = [self._user(index) for index in range(count)]
        # Zipf-like activity: a few accounts tweet a lot, most tweet once or twice.
        # Cumulative, computed once: choices() with plain weights rebuilds them on every call.
        self.cum_weights = list(itertools.accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(count)))
        self.places = [dict(place) for place in texts.PLACES]

    def _user(self, index: int) -> Dict:
        rng = self.rng
        created = datetime(2008, 1, 1, tzinfo=timezone.utc) + timedelta(days=rng.randint(0, 5400))
        handle = f"{rng.choice(texts.HANDLE_WORDS)}_{rng.choice(texts.HANDLE_WORDS)}{index}"
        if rng.random() < 0.03:  # very young accounts with huge tweet counts: the spam heuristic's target
            created = datetime(2022, 11, 25, tzinfo=timezone.utc) + timedelta(days=rng.randint(0, 4))
        followers = int(rng.paretovariate(1.2) * 40)
        return {
            "id": str(10_000_000 + index * 7919),
            "username": handle[:15],
            "name": handle.replace("_", " ").title()[:50],
            "created_at": format_api_timestamp(created),
            "location": rng.choice(texts.USER_LOCATIONS),
            "description": rng.choice(texts.BIOS),
            "verified": rng.random() < 0.04,
            "verified_type": rng.choice(["none", "none", "none", "blue", "business"]),
            "protected": False,
            "public_metrics": {
                "followers_count": followers,
                "following_count": rng.randint(10, 3000),
                "tweet_count": rng.randint(50, 60_000),
                "listed_count": rng.randint(0, 200),
            },
        }

    def author(self) -> Dict:
        user = self.rng.choices(self.users, cum_weights=self.cum_weights, k=1)[0]
        # Follower counts grow while the collection runs: later pages see larger numbers.
        metrics = user["public_metrics"]
        metrics["followers_count"] += self.rng.randint(0, 3)
        metrics["tweet_count"] += 1
        # A snapshot of the user as of this tweet: later tweets see larger counts.
        return {**user, "public_metrics": dict(metrics)}


class SampleGenerator:
    """Yields raw pages (dicts) in collection order, then writes them as raw files."""

    def __init__(self, spec: SampleSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.world = _World(spec, self.rng)
        self.sequence = 0
        self.originals: List[Tuple[Dict, Dict]] = []
        # Media draws come from a stream of their own, so adding media left every other byte as it was.
        self.media = _MediaMaker(random.Random(f"{spec.seed}-media"), spec.media_share)

    def tweets(self) -> Iterator[Tuple[Dict, List[Dict], List[Dict], List[Dict], List[Dict]]]:
        """Each tweet with what its page must include: (tweet, users, referenced tweets, places, media)."""
        spec, rng = self.spec, self.rng
        span = timedelta(days=spec.days).total_seconds()
        for index in range(spec.tweets):
            moment = spec.start + timedelta(seconds=span * index / spec.tweets + rng.random())
            roll = rng.random()
            if self.originals and roll < spec.retweet_share:
                yield self._retweet(moment)
            elif self.originals and roll < spec.retweet_share + spec.quote_share:
                yield self._quote(moment)
            elif self.originals and roll < spec.retweet_share + spec.quote_share + spec.reply_share:
                yield self._reply(moment)
            else:
                yield self._original(moment)

    def _base(self, moment: datetime, author: Dict, text: str, lang: str = "en") -> Dict:
        self.sequence += 1
        tweet_id = snowflake_id(moment, self.sequence)
        tweet = {
            "id": tweet_id,
            "text": text,
            "created_at": format_api_timestamp(moment),
            "author_id": author["id"],
            "conversation_id": tweet_id,
            "lang": lang,
            "possibly_sensitive": False,
            "reply_settings": "everyone",
            "edit_history_tweet_ids": [tweet_id],
            "public_metrics": self._metrics(),
            "context_annotations": texts.context_annotations(self.rng),
        }
        if moment < datetime(2022, 12, 20, tzinfo=timezone.utc) and self.rng.random() < 0.7:
            tweet["source"] = self.rng.choice(texts.SOURCES)  # X stopped sending source in late 2022
        entities = texts.entities_of(text)
        if entities:
            tweet["entities"] = entities
        return tweet

    def _metrics(self) -> Dict:
        rng = self.rng
        likes = int(rng.paretovariate(1.5)) - 1
        return {
            "retweet_count": max(0, likes // 3 + rng.randint(-1, 1)),
            "reply_count": rng.randint(0, 3),
            "like_count": likes,
            "quote_count": rng.randint(0, 1),
            "bookmark_count": rng.randint(0, 2),
            "impression_count": likes * rng.randint(20, 90) + rng.randint(5, 400),
        }

    def _original(self, moment: datetime):
        author = self.world.author()
        long_post = self.rng.random() < self.spec.long_post_share
        text, lang = texts.long_post(self.rng) if long_post else texts.original_text(self.rng)
        tweet = self._base(moment, author, text, lang)
        if long_post:
            tweet["text"] = text[:276] + " …"
            tweet["note_tweet"] = {"text": text, "entities": texts.entities_of(text) or {}}
        places = []
        if self.rng.random() < self.spec.place_share:
            place = self.rng.choice(self.world.places)
            tweet["geo"] = {"place_id": place["id"]}
            places.append(place)
        media = self.media.attach(tweet)
        self.originals.append((tweet, author))
        if len(self.originals) > 500:
            self.originals.pop(0)
        return tweet, [author], [], places, media

    def _retweet(self, moment: datetime):
        original, original_author = self.rng.choice(self.originals)
        author = self.world.author()
        full = original.get("note_tweet", {}).get("text", original["text"])
        text = f"RT @{original_author['username']}: {full}"
        tweet = self._base(moment, author, text[:140] + ("…" if len(text) > 140 else ""), original["lang"])
        tweet["referenced_tweets"] = [{"type": "retweeted", "id": original["id"]}]
        tweet["public_metrics"].update(like_count=0, reply_count=0, quote_count=0, bookmark_count=0)
        tweet["public_metrics"]["retweet_count"] = original["public_metrics"]["retweet_count"]
        mention = {"start": 3, "end": 4 + len(original_author["username"])}
        mention.update(username=original_author["username"], id=original_author["id"])
        tweet["entities"] = {"mentions": [mention]}
        # Like the API: a retweet carries its original's media keys, and the page includes the media.
        media = self.media.of(original)
        if media:
            tweet["attachments"] = dict(original["attachments"])
        return tweet, [author, original_author], [original], [], media

    def _quote(self, moment: datetime):
        original, original_author = self.rng.choice(self.originals)
        author = self.world.author()
        url = f"https://t.co/{self.rng.randrange(16**8):08x}"
        tweet = self._base(moment, author, f"{texts.quote_comment(self.rng)} {url}")
        tweet["referenced_tweets"] = [{"type": "quoted", "id": original["id"]}]
        tweet.setdefault("entities", {})["urls"] = [
            {
                "url": url,
                "expanded_url": f"https://x.com/{original_author['username']}/status/{original['id']}",
            }
        ]
        return tweet, [author, original_author], [original], [], []

    def _reply(self, moment: datetime):
        original, original_author = self.rng.choice(self.originals)
        author = self.world.author()
        text = f"@{original_author['username']} {texts.reply_text(self.rng)}"
        tweet = self._base(moment, author, text)
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": original["id"]}]
        tweet["in_reply_to_user_id"] = original_author["id"]
        tweet["conversation_id"] = original["conversation_id"]
        return tweet, [author, original_author], [original], [], []

    def pages(self) -> Iterator[List[Dict]]:
        """Groups of page-sized tweet bundles, newest first within a page (as the API returns them)."""
        bundle: List = []
        for item in self.tweets():
            bundle.append(item)
            if len(bundle) == self.spec.page_size:
                yield bundle
                bundle = []
        if bundle:
            yield bundle


class _MediaMaker:
    """Photos, videos and GIFs for some originals, shaped like ``includes.media`` with the fields the
    collector asks for; their keys carry the type's prefix, as X's do (3_ photo, 7_ video, 16_ GIF)."""

    KINDS = (("photo", "3"), ("video", "7"), ("animated_gif", "16"))
    WEIGHTS = (0.75, 0.15, 0.10)

    def __init__(self, rng: random.Random, share: float) -> None:
        self.rng = rng
        self.share = share
        self.by_tweet: Dict[str, List[Dict]] = {}

    def attach(self, tweet: Dict) -> List[Dict]:
        """Media for a new original (often none); sets its ``attachments``."""
        if self.rng.random() >= self.share:
            return []
        kind, prefix = self.rng.choices(self.KINDS, weights=self.WEIGHTS)[0]
        count = self.rng.choice((1, 1, 1, 2, 4)) if kind == "photo" else 1
        media = [self._item(kind, prefix) for _ in range(count)]
        tweet["attachments"] = {"media_keys": [item["media_key"] for item in media]}
        self.by_tweet[tweet["id"]] = media
        if len(self.by_tweet) > 2000:  # only recent originals get retweeted
            self.by_tweet.pop(next(iter(self.by_tweet)))
        return media

    def of(self, tweet: Dict) -> List[Dict]:
        return self.by_tweet.get(tweet["id"], [])

    def _item(self, kind: str, prefix: str) -> Dict:
        rng = self.rng
        media_id = rng.randrange(1_590_000_000_000_000_000, 1_630_000_000_000_000_000)
        width, height = rng.choice(((1200, 675), (800, 800), (1080, 1350), (640, 360)))
        item = {"media_key": f"{prefix}_{media_id}", "type": kind, "width": width, "height": height}
        image = f"{rng.randrange(16**15):015x}".upper()
        if kind == "photo":
            item["url"] = f"https://pbs.twimg.com/media/{image}.jpg"
        else:
            folder = "tweet_video_thumb" if kind == "animated_gif" else "ext_tw_video_thumb"
            item["preview_image_url"] = f"https://pbs.twimg.com/{folder}/{image}.jpg"
        if kind == "video":
            item["duration_ms"] = rng.randint(3_000, 140_000)
            item["public_metrics"] = {"view_count": rng.randint(0, 90_000)}
        return item


def build_page(bundle: List, *, next_token: Optional[str]) -> Dict:
    """An API response page: data newest first, includes deduplicated by id, meta, like the API."""
    data, users, tweets, places, media = [], {}, {}, {}, {}
    for tweet, page_users, referenced, page_places, page_media in reversed(bundle):
        data.append(tweet)
        users.update({user["id"]: user for user in page_users})
        tweets.update({ref["id"]: ref for ref in referenced})
        places.update({place["id"]: place for place in page_places})
        media.update({item["media_key"]: item for item in page_media})
    includes = {"users": list(users.values())}
    if tweets:
        includes["tweets"] = list(tweets.values())
    if places:
        includes["places"] = list(places.values())
    if media:
        includes["media"] = list(media.values())
    meta = {"newest_id": data[0]["id"], "oldest_id": data[-1]["id"], "result_count": len(data)}
    if next_token:
        meta["next_token"] = next_token
    return {"data": data, "includes": includes, "meta": meta}


def write_sample(
    out_dir: Path, spec: SampleSpec = SampleSpec(), *, progress=None, compresslevel: int = 6
) -> List[Path]:
    """Write the sample as raw files (with manifests) plus one small file of broken lines.

    Returns the raw files written, in collection order.
    """
    generator = SampleGenerator(spec)
    rng = random.Random(spec.seed + 1)
    total_pages = -(-spec.tweets // spec.page_size)
    per_file = max(1, -(-total_pages // spec.files))
    bundles = generator.pages()
    written: List[Path] = []
    seen_before: List = []
    for file_index in range(spec.files):
        retrieved = spec.start + timedelta(days=spec.days, hours=file_index * 6)
        # What the earlier files saw comes back in this one, fresher (a real overlap between files).
        again, seen_before = seen_before, []
        writer = RawPageWriter(
            out_dir,
            prefix=f"sample-{file_index + 1:02d}",
            producer="tweets-etl sample",
            started_at=retrieved,
            compresslevel=compresslevel,
        )
        with writer:
            for page_number in range(per_file):
                bundle = next(bundles, None)
                if bundle is None:
                    break
                token = (
                    f"b26v89c19zqg8o3f{file_index:02d}{page_number:05d}"
                    if page_number < per_file - 1
                    else None
                )
                moment = retrieved + timedelta(seconds=page_number)
                writer.write_page(_stamped(build_page(bundle, next_token=token), moment))
                seen_before.extend(item for item in bundle if rng.random() < spec.repeat_share)
                if progress:
                    progress(len(bundle))
            for first in range(0, len(again), spec.page_size):
                fresher = [_fresher(item, rng) for item in again[first : first + spec.page_size]]
                writer.write_page(
                    _stamped(build_page(fresher, next_token=None), retrieved + timedelta(hours=1))
                )
        written.extend(writer.finished)
    written.append(_write_broken_lines(out_dir, spec))
    return written


def generator_fingerprint() -> str:
    """Changes whenever the generator may write other bytes for the same spec: its code, its texts,
    the raw file writer's code, the wire-format helpers (xapi), or the package version stamped on every
    page. A sample made before is reused only while this is the same."""
    digest = hashlib.sha256(__version__.encode())
    for module in (texts, rawfiles, xapi):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def is_sample_file(name: str) -> bool:
    """Whether ``write_sample`` writes files of this name: finished ones, or the hidden ``.NAME.part``
    of one it was writing when it was stopped. Nothing else in a folder is the generator's to delete."""
    if name.startswith(".") and name.endswith(".part"):
        name = name[1:-5]
    return _SAMPLE_FILE.fullmatch(name) is not None


def _stamped(page: Dict, retrieved: datetime) -> Dict:
    url = f"{SEARCH_URL}?{urlencode({'query': texts.SAMPLE_QUERY, 'max_results': PAGE_SIZE})}"
    page[PROVENANCE_KEY] = provenance(
        url, producer="tweets-etl sample", retrieved_at=retrieved.isoformat(), query_id="sample"
    )
    return page


def _fresher(item: Tuple, rng: random.Random) -> Tuple:
    """The same tweet seen again later: higher metrics, everything else as before."""
    tweet, *included = item
    tweet = {**tweet, "public_metrics": dict(tweet["public_metrics"])}
    for key in ("like_count", "retweet_count", "impression_count"):
        tweet["public_metrics"][key] += rng.randint(1, 25)
    return (tweet, *included)


def _write_broken_lines(out_dir: Path, spec: SampleSpec) -> Path:
    """A small uncompressed file with what real collections contain now and then."""
    path = out_dir / DAMAGED_FILE
    stamp = {"url": SEARCH_URL, "retrieved_at": (spec.start + timedelta(days=spec.days)).isoformat()}
    lines = [
        '{"data": [{"id": "1598000000000000001", "text": "ChatGPT is',  # cut off mid-line
        json.dumps(
            {
                "errors": [{"title": "Not Found Error", "detail": "Could not find tweet"}],
                PROVENANCE_KEY: stamp,
            }
        ),
        json.dumps({"meta": {"result_count": 0}, PROVENANCE_KEY: stamp}),
        json.dumps({"data": [{"text": "a tweet without an id #ChatGPT"}], PROVENANCE_KEY: stamp}),
        json.dumps(
            {"data": [{"id": 1.598e18, "text": "an id that went through a float"}], PROVENANCE_KEY: stamp}
        ),
    ]
    lines += ["{not json at all" for _ in range(max(0, spec.malformed_lines - 1))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
