"""A progress bar for the collector on stderr, shown only when a person is watching (a TTY)."""

from __future__ import annotations

import sys
from typing import Any, Callable, Optional, TextIO

from tweets_etl.collect.collector import PageEvent


class CollectProgress:
    """Tweets collected against the ``--max-tweets`` budget; silent under cron or in a pipe."""

    def __init__(
        self, total: int, *, stream: Optional[TextIO] = None, enabled: Optional[bool] = None
    ) -> None:
        from tqdm import tqdm

        stream = stream or sys.stderr
        enabled = stream.isatty() if enabled is None else enabled
        self._bar: Any = tqdm(
            total=total, unit="tweet", file=stream, disable=not enabled, leave=False, dynamic_ncols=True
        )

    def __call__(self, event: PageEvent) -> None:
        # A page arrives at most a few times a second, so redrawing on each one costs nothing.
        self._bar.update(event.page_tweets)
        self._bar.set_postfix(pages=event.page_number, refresh=True)

    def close(self) -> None:
        self._bar.close()

    def __enter__(self) -> Callable[[PageEvent], None]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
