"""The dashboard in a real browser: headless Chromium opens it from disk, offline, without a complaint."""

from __future__ import annotations

import json

import pytest

from tests.integration.report.cdp import Chromium, find_chromium
from tests.unit.report.dashboard_data import HOSTILE_TEXT, make_data
from tweets_etl.report.build import build_report, write_report

pytestmark = [pytest.mark.browser, pytest.mark.spark, pytest.mark.slow]

# Per chart: its name, whether it has an <svg>, how many marks, and the drawn size in CSS pixels.
CHARTS_JS = """
JSON.stringify([...document.querySelectorAll('figure.chart')].map(f => {
  const svg = f.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {name: f.dataset.chart, svg: !!svg, marks: f.querySelectorAll('.mark').length,
          width: box.width, height: box.height};
}))
"""
PAGE_JS = """
JSON.stringify({
  scripts: document.querySelectorAll('script').length,
  images: document.querySelectorAll('img, iframe, object, embed').length,
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  quotes: [...document.querySelectorAll('blockquote.tweet p')].map(p => p.textContent),
})
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = find_chromium()
    if binary is None:
        pytest.skip("headless Chromium is absent: apt-get install -y chromium (or set CHROMIUM to a binary)")
    chromium = Chromium(binary, tmp_path_factory.mktemp("chromium") / "profile")
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def page(browser):
    return browser.page()


@pytest.fixture(scope="module")
def dashboard(spark, report_warehouse, tmp_path_factory):
    return build_report(spark, report_warehouse, tmp_path_factory.mktemp("reports"))


def test_detector_sees_console_errors_and_failed_loads(page, tmp_path):
    """The checks below can fail: a broken page is caught."""
    broken = tmp_path / "broken.html"
    broken.write_text('<html><body><script>notAFunction()</script><img src="missing.png"></body></html>')
    page.open(broken.as_uri(), 800, 600)
    problems = page.problems()
    assert any("exception" in p for p in problems), problems
    assert any("missing.png" in p or "ERR_FILE_NOT_FOUND" in p for p in problems), problems


def test_dashboard_renders_every_chart_offline_without_errors(page, dashboard, capsys):
    page.open(dashboard.html.as_uri(), 1440, 900)
    assert page.problems() == []
    assert page.requested_urls() == [dashboard.html.as_uri()]  # nothing else was fetched
    charts = json.loads(page.evaluate(CHARTS_JS))
    assert len(charts) == 17
    for chart in charts:
        assert chart["svg"] and chart["marks"] > 0, chart
        assert chart["width"] > 150 and chart["height"] > 60, chart
    state = json.loads(page.evaluate(PAGE_JS))
    assert state["scripts"] == 0 and state["images"] == 0 and state["overflow"] <= 0
    examples = {item["text"] for item in dashboard.data["top_feedback"]}
    assert state["quotes"] and set(state["quotes"]) <= examples  # shown exactly as tweeted
    shot = page.screenshot(dashboard.html.parent / "dashboard.png")
    with capsys.disabled():
        print(f"\nscreenshot of the dashboard at 1440 px: {shot}")
    assert shot.stat().st_size > 50_000


def test_dashboard_fits_a_small_laptop_screen(page, dashboard):
    page.open(dashboard.html.as_uri(), 1280, 720)
    state = json.loads(page.evaluate(PAGE_JS))
    assert state["overflow"] <= 0  # no sideways scrolling
    narrowest = min(chart["width"] for chart in json.loads(page.evaluate(CHARTS_JS)))
    assert narrowest > 150


def test_markup_in_tweets_is_shown_not_run(page, tmp_path):
    files = write_report(make_data(), tmp_path)
    page.open(files.html.as_uri(), 1440, 900)
    assert page.problems() == []  # no alert dialog, no blocked script, no failed image
    state = json.loads(page.evaluate(PAGE_JS))
    assert state["scripts"] == 0 and state["images"] == 0
    assert HOSTILE_TEXT in state["quotes"]
