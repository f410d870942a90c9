"""The progress bar shows only on a terminal."""

from __future__ import annotations

import io

from tweets_etl.collect.collector import PageEvent
from tweets_etl.collect.progress import CollectProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_on_a_terminal_and_stays_silent_in_a_pipe():
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        with CollectProgress(200, stream=stream) as progress:
            progress(PageEvent(page_number=1, page_tweets=100, run_tweets=100, max_tweets=200))
    assert "100/200" in terminal.getvalue() and "pages=1" in terminal.getvalue()
    assert pipe.getvalue() == ""
