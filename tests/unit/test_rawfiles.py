"""RawPageWriter: atomic files, rotation by size, manifests that describe the bytes on disk."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tweets_etl.rawfiles import MANIFEST_SUFFIX, RawPageWriter, manifest_path, read_manifest

STARTED = datetime(2022, 12, 5, 10, 0, 0, tzinfo=timezone.utc)


def search_page(*ids: str, text: str = "ChatGPT wrote my cover letter 🤯") -> Dict[str, Any]:
    return {
        "data": [{"id": tweet_id, "text": text, "author_id": "902035056"} for tweet_id in ids],
        "includes": {"users": [{"id": "902035056", "username": "bob_gpt"}]},
        "meta": {"result_count": len(ids)},
        "__twarc": {
            "url": "https://api.x.com/2/tweets/search/recent?query=chatgpt",
            "retrieved_at": "2022-12-05T10:00:00+00:00",
        },
    }


def read_pages(path: Path) -> List[Dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return [json.loads(line) for line in stream]


def writer(out_dir: Path, **options: Any) -> RawPageWriter:
    return RawPageWriter(
        out_dir, prefix="search", producer="tweets-etl collect", started_at=STARTED, **options
    )


def test_only_hidden_part_files_exist_until_a_file_is_finished(tmp_path):
    raw = writer(tmp_path)
    raw.write_page(search_page("1598000000000000001"))
    raw.write_page(search_page("1598000000000000002"))

    while_writing = sorted(p.name for p in tmp_path.iterdir())
    finished = raw.close()
    after = sorted(p.name for p in tmp_path.iterdir())

    name = "search-20221205T100000Z-0001.jsonl.gz"
    assert while_writing == [f".{name}.part"]
    assert finished == tmp_path / name
    assert after == [name, name + MANIFEST_SUFFIX]
    assert read_pages(finished) == [search_page("1598000000000000001"), search_page("1598000000000000002")]


def test_pages_written_before_an_error_are_kept_in_a_finished_file(tmp_path):
    with pytest.raises(RuntimeError), writer(tmp_path) as raw:
        raw.write_page(search_page("1598000000000000001"))
        raise RuntimeError("HTTP 503 from the API")

    assert [read_pages(path) for path in raw.finished] == [[search_page("1598000000000000001")]]
    assert not list(tmp_path.glob(".*.part"))


def test_a_writer_that_wrote_nothing_leaves_nothing(tmp_path):
    with writer(tmp_path) as raw:
        pass

    assert raw.finished == []
    assert list(tmp_path.iterdir()) == []


def test_files_rotate_once_they_reach_the_size_limit(tmp_path):
    rng = random.Random(7)
    # Random text barely compresses, so each page adds about 2 KB to the file.
    pages = [
        search_page(
            str(1598000000000000000 + n), text="".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=3000))
        )
        for n in range(40)
    ]
    limit = 20_000

    with writer(tmp_path, rotate_bytes=limit) as raw:
        for page in pages:
            raw.write_page(page)

    sizes = [path.stat().st_size for path in raw.finished]
    assert len(raw.finished) >= 3
    assert [path.name for path in raw.finished] == [
        f"search-20221205T100000Z-{n:04d}.jsonl.gz" for n in range(1, len(raw.finished) + 1)
    ]
    # A file closes at the first page that takes it past the limit: never before, and not far after
    # (by at most what zlib still held, well under the limit itself here).
    assert all(size >= limit for size in sizes[:-1])
    assert all(size < 2 * limit for size in sizes)
    assert [page for path in raw.finished for page in read_pages(path)] == pages


def test_manifest_describes_the_file_on_disk(tmp_path):
    stream_line = {"data": {"id": "1377650090978992134", "text": "Fury"}, "__twarc": {"retrieved_at": "x"}}
    errors_only = {"errors": [{"title": "Not Found Error"}]}

    with writer(tmp_path, manifest_extra={"query_id": "3f2a9c0d1e4b"}) as raw:
        raw.write_page(search_page("999", "1598000000000000001"))
        raw.write_page(stream_line)
        raw.write_page(errors_only)
        raw.write_page(search_page("1000"))
    path = raw.finished[0]

    manifest = read_manifest(path)
    created_at = manifest.pop("created_at")

    assert manifest == {
        "file": path.name,
        "pages": 4,
        "tweets": 4,
        # Ids compare as numbers: "999" < "1000" < "1377650090978992134".
        "min_tweet_id": "999",
        "max_tweet_id": "1598000000000000001",
        "bytes": path.stat().st_size,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "format": "x-api-v2-pages",
        "producer": "tweets-etl collect",
        "query_id": "3f2a9c0d1e4b",
    }
    assert datetime.fromisoformat(created_at).tzinfo is not None
    assert manifest_path(path).name == path.name + MANIFEST_SUFFIX


def test_same_pages_under_the_same_name_give_the_same_bytes(tmp_path):
    pages = [search_page("1598000000000000001"), search_page("1598000000000000002", "1598000000000000003")]
    outputs = []
    for folder in ("first", "second"):
        with writer(tmp_path / folder) as raw:
            for page in pages:
                raw.write_page(page)
        outputs.append(raw.finished[0])

    assert outputs[0].name == outputs[1].name
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    assert read_manifest(outputs[0])["sha256"] == read_manifest(outputs[1])["sha256"]


def test_same_pages_give_the_same_bytes_whatever_the_file_name(tmp_path):
    pages = [search_page("1598000000000000001")]
    outputs = []
    for started in (STARTED, datetime(2023, 1, 1, tzinfo=timezone.utc)):
        raw = RawPageWriter(tmp_path, prefix="search", producer="tweets-etl collect", started_at=started)
        with raw:
            for page in pages:
                raw.write_page(page)
        outputs.append(raw.finished[0])

    assert outputs[0].read_bytes() == outputs[1].read_bytes()
