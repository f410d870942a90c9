"""The X API v2 search client: tweepy underneath, our retry, rate-limit and pacing policy on top.

tweepy's ``Client`` builds and authenticates the requests, but it does not retry server errors or
dropped connections, does not pace full-archive search to its 1 request/second limit, and sleeps
unbounded on a 429 when asked to wait. So tweepy is told to raise (``wait_on_rate_limit=False``) and
to hand back the raw ``requests.Response`` (so the page is stored exactly as the API sent it), and
this module decides what each failure means:

* 429 with ``x-rate-limit-remaining: 0`` and a reset time: sleep until the reset, capped at
  ``collect.max_rate_limit_wait_seconds``, with one log line saying why and until when;
* 429 with requests still remaining: a per-second limit, so a short backoff;
* 429 whose body says ``UsageCapExceeded`` (type ``.../problems/usage-capped``): the monthly usage
  cap is spent, which no wait within a run can fix, so fail at once whatever the rate-limit headers say;
* 429 whose reset time has already passed on this clock: the usual exponential backoff with jitter;
* 5xx, connection errors, timeouts and a cut-off body: exponential backoff with jitter, up to
  ``collect.max_retries`` attempts per page;
* 401 and 403: fail at once with a sentence about the token, the access tier or the Project;
* other 4xx: fail at once with the API's own explanation.

The clock, the sleep function and the random source are injected, so tests never really sleep.
"""

from __future__ import annotations

import logging
import os
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import requests
import tweepy
from requests.adapters import HTTPAdapter

from tweets_etl.collect.errors import AccessError, CollectError
from tweets_etl.config import CollectConfig

log = logging.getLogger(__name__)

TOKEN_ENV_VARS = ("X_BEARER_TOKEN", "TWITTER_BEARER_TOKEN")
# Full-archive search allows 1 request per second per app; twarc learnt to stay just above it.
ARCHIVE_MIN_INTERVAL_SECONDS = 1.05
RECENT_ENDPOINT = "/2/tweets/search/recent"
ARCHIVE_ENDPOINT = "/2/tweets/search/all"


def bearer_token(environ: Optional[Mapping[str, str]] = None) -> str:
    """The app's bearer token from X_BEARER_TOKEN (or TWITTER_BEARER_TOKEN); never from config."""
    environ = os.environ if environ is None else environ
    for name in TOKEN_ENV_VARS:
        value = (environ.get(name) or "").strip()
        if value:
            return value
    raise AccessError(
        "no X API bearer token: export X_BEARER_TOKEN with your app's Bearer Token from the developer portal"
    )


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = CollectConfig.max_retries
    max_rate_limit_wait: float = float(CollectConfig.max_rate_limit_wait_seconds)
    backoff_base: float = 2.0
    backoff_cap: float = 300.0
    # A 429 while requests remain is a per-second limit: seconds, not the 15-minute window.
    short_backoff: float = 2.0
    request_timeout: float = 30.0


@dataclass
class FetchedPage:
    """One API response: the JSON body as sent, the full request URL, and when it was received."""

    body: Dict[str, Any]
    url: str
    retrieved_at: str
    attempts: int


class SearchClient:
    """Fetch one search page at a time, with retries, rate-limit waits and archive pacing."""

    def __init__(
        self,
        token: str,
        *,
        archive: bool = False,
        policy: Optional[RetryPolicy] = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: Optional[random.Random] = None,
    ) -> None:
        # tweepy logs the Authorization header at DEBUG; the token must never reach a log.
        logging.getLogger("tweepy").setLevel(max(logging.getLogger("tweepy").level, logging.INFO))
        self.archive = archive
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.min_interval = ARCHIVE_MIN_INTERVAL_SECONDS if archive else 0.0
        self.requests_made = 0
        self.waited_seconds = 0.0
        self._last_request_at: Optional[float] = None
        self._client = tweepy.Client(
            bearer_token=token, return_type=requests.Response, wait_on_rate_limit=False
        )
        # tweepy sets no timeout, so a silent connection would hang the collector forever.
        adapter = TimeoutAdapter(self.policy.request_timeout)
        self._client.session.mount("https://", adapter)
        self._client.session.mount("http://", adapter)

    @property
    def endpoint(self) -> str:
        return ARCHIVE_ENDPOINT if self.archive else RECENT_ENDPOINT

    def fetch(self, params: Dict[str, Any]) -> FetchedPage:
        """One page for ``params`` (tweepy keyword arguments), retried as the module docstring says."""
        search = self._client.search_all_tweets if self.archive else self._client.search_recent_tweets
        kwargs = dict(params)
        query = kwargs.pop("query")
        failures = 0
        while True:
            self._pace()
            try:
                response = search(query, **kwargs)
                body = _json_object(response)
            except tweepy.TooManyRequests as error:
                if _usage_capped(error.response):
                    raise _usage_cap_error(error.response) from None
                wait, why = self._rate_limit_wait(error.response, failures)
            except tweepy.TwitterServerError as error:
                wait = self._backoff(failures)
                why = f"the X API answered {_status(error.response)}"
            except (requests.ConnectionError, requests.Timeout) as error:
                wait = self._backoff(failures)
                why = f"the connection to the X API failed ({type(error).__name__})"
            except requests.exceptions.ChunkedEncodingError:
                wait = self._backoff(failures)
                why = "the X API response was cut off"
            except _IncompleteBodyError:
                wait = self._backoff(failures)
                why = "the X API sent a body that is not a complete JSON object"
            except tweepy.HTTPException as error:
                raise _refusal(error.response, self.endpoint) from None
            else:
                return FetchedPage(
                    body=body,
                    url=response.url,
                    retrieved_at=_iso(self.clock()),
                    attempts=failures + 1,
                )
            failures += 1
            if failures > self.policy.max_retries:
                raise CollectError(
                    f"gave up after {failures} attempts: {why}; the saved state resumes from this page "
                    "on the next run (raise collect.max_retries to try longer)"
                )
            until = datetime.fromtimestamp(self.clock() + wait, timezone.utc).strftime("%H:%M:%S UTC")
            log.warning(
                "%s; waiting %.1f s until %s (attempt %d of %d)",
                why,
                wait,
                until,
                failures + 1,
                self.policy.max_retries + 1,
            )
            self._sleep(wait)

    def _pace(self) -> None:
        if self._last_request_at is not None and self.min_interval:
            gap = self._last_request_at + self.min_interval - self.clock()
            if gap > 0:
                self._sleep(gap)
        self._last_request_at = self.clock()
        self.requests_made += 1

    def _sleep(self, seconds: float) -> None:
        self.waited_seconds += seconds
        self.sleep(seconds)

    def _backoff(self, failures: int) -> float:
        return self._jittered(self.policy.backoff_base, failures)

    def _jittered(self, base: float, failures: int) -> float:
        """Exponential backoff with jitter: half the step is fixed, half random, so clients spread out."""
        step = min(self.policy.backoff_cap, base * (2**failures))
        return step / 2 + self.rng.uniform(0, step / 2)

    def _rate_limit_wait(self, response: Any, failures: int) -> Tuple[float, str]:
        headers = getattr(response, "headers", {}) or {}
        remaining = _int_header(headers, "x-rate-limit-remaining")
        limit = _int_header(headers, "x-rate-limit-limit")
        reset = _int_header(headers, "x-rate-limit-reset")
        if remaining is not None and remaining > 0:
            why = f"429 with {remaining} requests left in the window: a per-second limit"
            return self._jittered(self.policy.short_backoff, failures), why
        if reset is None:
            return self._backoff(failures), "429 Too Many Requests without a reset time"
        # One second past the reset, because the window closes on the server's clock, not ours.
        wait = reset - self.clock() + 1
        window = f"{limit} requests per window" if limit else "the window"
        why = f"rate limit reached ({window} used up)"
        if wait <= 0:
            # Our clock is ahead of the server's: the reset already passed here but not there. How far
            # ahead is unknown, so the wait must grow; a fixed one would spend every attempt in seconds.
            return self._backoff(failures), f"{why}, reset time already passed on this clock"
        if wait > self.policy.max_rate_limit_wait:
            return self.policy.max_rate_limit_wait, (
                f"{why}; the reset is {wait:.0f} s away, capped by collect.max_rate_limit_wait_seconds"
            )
        return float(wait), why


class _IncompleteBodyError(Exception):
    """A 200 whose body is cut off or not a JSON object: worth another try."""


def _json_object(response: Any) -> Dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise _IncompleteBodyError() from None
    if not isinstance(body, dict):
        raise _IncompleteBodyError()
    return body


class TimeoutAdapter(HTTPAdapter):
    """A requests transport adapter that applies a default timeout to every request."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def send(self, request, **kwargs):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def _refusal(response: Any, endpoint: str) -> CollectError:
    status = _status(response)
    detail = _problem_detail(response)
    code = getattr(response, "status_code", None)
    if code == 401:
        return AccessError(
            f"the X API rejected the bearer token ({status}{detail}): set X_BEARER_TOKEN to your app's "
            "current Bearer Token from the developer portal (regenerating it invalidates the old one)"
        )
    if code == 403:
        archive_hint = " (full-archive search needs Pro or Enterprise access)" if "all" in endpoint else ""
        return AccessError(
            f"the X API refused access to {endpoint} ({status}{detail}): check that the app owning "
            f"X_BEARER_TOKEN sits inside a Project and that your access tier includes this endpoint"
            f"{archive_hint}"
        )
    return CollectError(
        f"the X API refused the request ({status}{detail}); fix the query or options", status_code=code or 0
    )


def _usage_capped(response: Any) -> bool:
    """Whether a 429 is the monthly usage cap rather than a rate-limit window (its headers can look fine)."""
    body = _json_body(response)
    kind = body.get("type")
    return body.get("title") == "UsageCapExceeded" or (
        isinstance(kind, str) and kind.rstrip("/").endswith("/usage-capped")
    )


def _usage_cap_error(response: Any) -> AccessError:
    return AccessError(
        f"the X API's monthly usage cap is used up ({_status(response)}{_problem_detail(response)}): "
        "no request can succeed until the cap resets; see the usage page of the developer portal, "
        "or upgrade the access tier"
    )


def _json_body(response: Any) -> Dict[str, Any]:
    try:
        body = response.json()
    except Exception:
        return {}
    return body if isinstance(body, dict) else {}


def _problem_detail(response: Any) -> str:
    body = _json_body(response)
    parts = []
    for key in ("reason", "detail", "required_enrollment"):
        if isinstance(body.get(key), str):
            parts.append(f"{key.replace('_', ' ')}: {body[key]}")
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = errors[0].get("message") or errors[0].get("detail")
        if isinstance(message, str):
            parts.append(message)
    return "; " + "; ".join(parts) if parts else ""


def _status(response: Any) -> str:
    code = getattr(response, "status_code", "?")
    reason = getattr(response, "reason", "") or ""
    return f"{code} {reason}".strip()


def _int_header(headers: Mapping[str, str], name: str) -> Optional[int]:
    value = headers.get(name)
    try:
        return int(str(value).strip()) if value is not None else None
    except ValueError:
        return None


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(int(epoch_seconds), timezone.utc).isoformat()
