"""The dashboard page: complete, self-contained, and showing tweet text as text, never as markup."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from lxml import html

from tests.unit.report.dashboard_data import HOSTILE_HASHTAG, HOSTILE_TEXT, empty_data, make_data
from tweets_etl.report.build import write_report
from tweets_etl.report.page import render_dashboard
from tweets_etl.report.queries import to_json_ready

CHARTS = {
    "sentiment_gauge",
    "top_hashtags",
    "devices",
    "operating_systems",
    "sentiment_bands",
    "sentiment_share",
    "tweet_types",
    "timeline",
    "trending_hashtags",
    "feedback_timeline",
    "hours",
    "aspects",
    "complaint_aspects",
    "suggestion_aspects",
    "languages",
    "locations",
    "countries",
}


def charts(page: str) -> dict:
    doc = html.fromstring(page)
    return {figure.get("data-chart"): figure for figure in doc.xpath('//figure[contains(@class, "chart")]')}


def marks(element) -> list:
    return element.xpath('.//*[contains(concat(" ", @class, " "), " mark ")]')


def test_every_chart_is_drawn_with_marks():
    figures = charts(render_dashboard(make_data()))
    assert set(figures) == CHARTS
    for name, figure in figures.items():
        assert figure.xpath(".//svg"), name
        assert marks(figure), name


def test_tweet_text_and_labels_are_shown_literally_never_as_markup():
    page = render_dashboard(make_data())
    doc = html.fromstring(page)
    assert not doc.xpath("//script | //img | //iframe | //object | //embed | //link")
    assert not doc.xpath("//@*[starts-with(name(), 'on')]")  # no event handler survived as an attribute
    quotes = [q.text_content() for q in doc.xpath('//blockquote[@class="tweet"]/p')]
    assert HOSTILE_TEXT in quotes
    assert f"#{HOSTILE_HASHTAG}" in {
        t.text_content() for t in doc.xpath('//figure[@data-chart="top_hashtags"]//text')
    }
    assert HOSTILE_TEXT not in page  # only its escaped form is in the file


def test_the_page_loads_nothing_and_runs_nothing():
    doc = html.fromstring(render_dashboard(make_data()))
    policy = doc.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')
    assert policy and "default-src 'none'" in policy[0] and "script-src" not in policy[0]
    assert not doc.xpath("//@src")
    links = doc.xpath("//@href")
    assert links and all(link.startswith("https://x.com/i/web/status/") for link in links)


def test_header_counts_the_spam_left_out_or_says_it_is_included():
    excluded = html.fromstring(render_dashboard(make_data())).xpath('//header//span[@class="spam"]')[0]
    assert excluded.text_content() == "7 spam, bot or promo tweets left out"
    included = html.fromstring(render_dashboard(make_data(include_spam=True))).xpath(
        '//header//span[@class="spam"]'
    )[0]
    assert included.text_content() == "spam included"


def test_headline_numbers():
    doc = html.fromstring(render_dashboard(make_data()))
    tiles = {
        tile.xpath('./div[@class="label"]')[0].text_content(): tile.xpath('./div[@class="value"]')[
            0
        ].text_content()
        for tile in doc.xpath('//div[@class="kpi"]')
    }
    assert tiles == {
        "Tweets": "120",
        "Retweets": "40",
        "Net sentiment": "+0.23",
        "Avg engagement rate": "2.31%",
        "Engagements": "950",
    }
    assert "+0.12" in doc.xpath('//figure[@data-chart="sentiment_gauge"]')[0].text_content()


def _ranked(doc, tone: str) -> list:
    return [li.xpath(".//strong")[0].text for li in doc.xpath(f'//li[@class="{tone}"]')]


def test_frustrations_and_delights_rank_aspects_by_net_sentiment():
    doc = html.fromstring(render_dashboard(make_data()))
    assert _ranked(doc, "bad") == ["Availability"] and _ranked(doc, "good") == ["Coding"]


def test_aspects_with_few_opinions_are_not_ranked():
    data = make_data()
    quiet = dict(data["aspects"][1], aspect="api", aspect_name="API", positive=4, neutral=40, negative=0)
    data["aspects"].append(dict(quiet, net_sentiment=1.0))  # +1.00 from only 4 opinionated tweets
    doc = html.fromstring(render_dashboard(data))
    assert "API" not in _ranked(doc, "bad") + _ranked(doc, "good")
    data["aspects"][-1]["positive"] = 5
    assert _ranked(html.fromstring(render_dashboard(data)), "good") == ["API", "Coding"]


def test_an_empty_warehouse_renders_notes_instead_of_charts():
    figures = charts(render_dashboard(empty_data()))
    assert set(figures) == CHARTS
    for name, figure in figures.items():
        if name == "sentiment_gauge":
            assert "n/a" in figure.text_content()
        else:
            assert figure.xpath('.//p[@class="empty"]') and not marks(figure), name


def test_write_report_writes_both_files_whole(tmp_path):
    data = make_data()
    (tmp_path / "dashboard.html").write_text("an older dashboard")
    files = write_report(data, tmp_path)
    assert json.loads(files.json.read_text(encoding="utf-8")) == data
    assert files.html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dashboard.html", "dashboard.json"]  # no .part left


def test_a_failed_write_keeps_the_previous_files(tmp_path):
    write_report(make_data(), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    broken = make_data()
    broken["summary"]["avg_sentiment"] = float("nan")  # JSON has no NaN: json.dumps refuses
    with pytest.raises(ValueError):
        write_report(broken, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_json_ready_values():
    converted = to_json_ready({"day": date(2024, 1, 2), "rows": [(float("nan"), float("inf"), 0.5)]})
    assert converted == {"day": "2024-01-02", "rows": [[None, None, 0.5]]}
    assert json.dumps(converted, allow_nan=False)


def test_the_page_renders_without_pyspark():
    """The page is plain Python: it renders dashboard.json without Spark."""
    code = "import sys, tweets_etl.report.page; print('pyspark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
