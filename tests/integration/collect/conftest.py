"""Recorded X API v2 HTTP for the collector tests, replayed with `responses`, and a fake clock.

Bodies and headers are the real ones from ../shared/data (x_api_v2_responses, x_api_v2_pages);
tests/fixtures/x_api holds the two responses derived from them (see its README).
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses.registries import OrderedRegistry

from tweets_etl.collect.client import RetryPolicy, SearchClient
from tweets_etl.collect.collector import Collector, build_request

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x_api"
API = "https://api.twitter.com"
ENDPOINTS = {"recent": f"{API}/2/tweets/search/recent", "archive": f"{API}/2/tweets/search/all"}
# Transport headers describe the recorded gzip body, not the JSON body replayed here.
_DROP_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "content-disposition"}
TEST_TOKEN = "fake-test-bearer-token-MLhe0%2BuSeid"


class FakeClock:
    """Time that moves only when the code under test sleeps; records every sleep."""

    def __init__(self, now: float) -> None:
        self.now = float(now)
        self.sleeps: List[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class RecordedXApi:
    """Registers recorded responses in the order the collector must ask for them."""

    def __init__(self, mock: responses.RequestsMock, shared_data: Path) -> None:
        self.mock = mock
        self.shared_data = shared_data
        ok = self.recorded("Search_Tweets_Recent_search__200__200_Success_Recent_Search_Default_Payload")
        self.ok_headers = ok["headers"]

    def recorded(self, name: str) -> Dict[str, Any]:
        """A response from shared data (or a derived one from tests/fixtures/x_api), ready to replay."""
        path = self.shared_data / "x_api_v2_responses" / f"{name}.json"
        if not path.is_file():
            path = FIXTURES / f"{name}.json"
        wrapped = json.loads(path.read_text(encoding="utf-8"))
        meta = wrapped["_meta"]
        headers = {k: v for k, v in meta["headers"].items() if k.lower() not in _DROP_HEADERS}
        return {"status": meta["status_code"], "headers": headers, "body": wrapped["body"]}

    def pages(self, name: str = "2sets.jsonl") -> List[Dict[str, Any]]:
        """Real search pages as the API sent them: twarc's provenance key removed."""
        lines = (self.shared_data / "x_api_v2_pages" / name).read_text(encoding="utf-8").splitlines()
        pages = [json.loads(line) for line in lines if line.strip()]
        for page in pages:
            page.pop("__twarc", None)
        return pages

    def page(self, body: Dict[str, Any], next_token: Optional[str]) -> Dict[str, Any]:
        """A copy of a real page whose meta.next_token is set (or removed: the last page)."""
        page = copy.deepcopy(body)
        meta = page.setdefault("meta", {})
        meta.pop("next_token", None)
        if next_token:
            meta["next_token"] = next_token
        return page

    def reply(
        self,
        body: Any,
        *,
        status: int = 200,
        headers: Optional[Dict[str, str]] = None,
        endpoint: str = "recent",
    ) -> None:
        headers = dict(self.ok_headers if headers is None else headers)
        if isinstance(body, Exception):
            self.mock.add(responses.GET, ENDPOINTS[endpoint], body=body)
            return
        text = body if isinstance(body, str) else json.dumps(body)
        content_type = headers.pop("content-type", "application/json; charset=utf-8")
        self.mock.add(
            responses.GET,
            ENDPOINTS[endpoint],
            body=text,
            status=status,
            headers=headers,
            content_type=content_type,
        )

    def replay(self, name: str, endpoint: str = "recent") -> Dict[str, Any]:
        recorded = self.recorded(name)
        self.reply(
            recorded["body"], status=recorded["status"], headers=recorded["headers"], endpoint=endpoint
        )
        return recorded

    def calls(self) -> List[Dict[str, str]]:
        """The query parameters of every request made so far, in order (single values)."""
        found = []
        for call in self.mock.calls:
            parts = urlsplit(call.request.url)
            params = {key: values[0] for key, values in parse_qs(parts.query).items()}
            params["_path"] = parts.path
            found.append(params)
        return found


@pytest.fixture
def x_api(shared_data):
    with responses.RequestsMock(registry=OrderedRegistry, assert_all_requests_are_fired=False) as mock:
        yield RecordedXApi(mock, shared_data)


@pytest.fixture
def clock():
    return FakeClock(1_700_000_000)


@pytest.fixture
def make_collector(tmp_path, clock):
    """Build a collector on the fake clock; keyword arguments go to build_request/RetryPolicy."""

    def make(
        *,
        archive: bool = False,
        max_tweets: int = 1000,
        page_size: int = 100,
        query: str = "chatgpt",
        start_time: Optional[str] = None,
        end_time: Optional[str] = None,
        restart: bool = False,
        max_retries: int = 6,
        max_rate_limit_wait: float = 905.0,
        on_page=None,
        rotate_bytes: int = 64 * 1024 * 1024,
    ) -> Collector:
        from datetime import datetime, timezone

        request = build_request(
            query=query,
            include_retweets=True,
            archive=archive,
            max_tweets=max_tweets,
            page_size=page_size,
            start_time=start_time,
            end_time=end_time,
            restart=restart,
            rotate_bytes=rotate_bytes,
            now=datetime.fromtimestamp(clock.time(), timezone.utc),
        )
        client = SearchClient(
            TEST_TOKEN,
            archive=archive,
            policy=RetryPolicy(max_retries=max_retries, max_rate_limit_wait=max_rate_limit_wait),
            clock=clock.time,
            sleep=clock.sleep,
            rng=random.Random(7),
        )
        return Collector(
            request,
            client=client,
            state_dir=tmp_path / "state",
            out_dir=tmp_path / "raw",
            on_page=on_page,
            clock=clock.time,
        )

    return make
