"""Cards for data the sample rarely holds (tweets not judged yet), the feedback types the cards are
built around, and how the two files are written."""

from __future__ import annotations

import pytest
from lxml import html

from tests.unit.report.dashboard_data import make_data
from tweets_etl.report.build import write_report
from tweets_etl.report.cards import FEEDBACK_COLORS, OTHER_COLOR
from tweets_etl.report.page import render_dashboard
from tweets_etl.report.svg import NEGATIVE, POSITIVE
from tweets_etl.taxonomy import REPORTED_FEEDBACK_TYPES, TOP_FEEDBACK_TYPES


def figure(page: str, name: str):
    return html.fromstring(page).xpath(f'//figure[@data-chart="{name}"]')[0]


def card_of(page: str, name: str):
    return figure(page, name).getparent()


def marks(element) -> list:
    return element.xpath('.//*[contains(concat(" ", @class, " "), " mark ")]')


def with_tweets_not_judged(count: int) -> dict:
    """The dataset after `run --stages ingest,stage,model` added ``count`` tweets: their facts point at
    dim_sentiments' unknown member (label and band "unknown")."""
    data = make_data()
    data["summary"]["tweets"] += count
    data["summary"]["unknown"] = count
    data["sentiment_share"].append({"label": "unknown", "tweets": count})
    data["sentiment_bands"].append(
        {"band": "unknown", "name": "Not yet judged", "label": "unknown", "tweets": count}
    )
    for bucket in data["timeline"]["buckets"]:
        bucket["unknown"] = count // len(data["timeline"]["buckets"])
    return data


def test_tweets_not_judged_yet_are_shown_apart_from_every_sentiment():
    page = render_dashboard(with_tweets_not_judged(40))

    share = card_of(page, "sentiment_share")
    assert len(marks(share)) == 5
    assert "Not yet judged 25%" in share.text_content()  # 40 of 160
    assert "tweets-etl run --stages enrich,model,check" in share.text_content()
    assert "Not yet judged" in card_of(page, "sentiment_bands").text_content()
    timeline = card_of(page, "timeline").text_content()
    assert "Not yet judged" in timeline and "Unscored" in timeline


def test_a_dashboard_with_every_tweet_judged_says_nothing_about_judgement():
    page = render_dashboard(make_data())
    assert "Not yet judged" not in page and "--stages enrich" not in page


def test_a_page_that_cannot_be_rendered_leaves_both_previous_files(tmp_path):
    write_report(make_data(), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    broken = make_data()
    del broken["top_feedback"]  # the renderer needs it; json.dumps would not mind
    with pytest.raises(KeyError):
        write_report(broken, tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # and no .part left


def test_both_files_are_written_into_a_new_folder(tmp_path):
    files = write_report(with_tweets_not_judged(8), tmp_path / "new" / "reports")
    assert sorted(p.name for p in files.html.parent.iterdir()) == ["dashboard.html", "dashboard.json"]
    assert "Not yet judged" in files.html.read_text(encoding="utf-8")


def test_a_trend_period_cut_to_the_data_says_so():
    data = make_data()
    data["trending_hashtags"]["requested_days"] = 7
    note = card_of(render_dashboard(data), "trending_hashtags").xpath('.//p[@class="note"]')[0].text_content()
    assert note == (
        "last 2 days (2024-04-03 to 2024-04-04) against the 2 days before; "
        "--trend-days 7 cut to 2: the data covers 4 days"
    )
    untouched = card_of(render_dashboard(make_data()), "trending_hashtags").text_content()
    assert "--trend-days" not in untouched


@pytest.mark.parametrize(
    ("hashtags", "title"), [(3, "Top 3 hashtags"), (1, "Top hashtag"), (0, "Top hashtags")]
)
def test_the_hashtag_card_counts_the_hashtags_it_shows(hashtags, title):
    data = make_data()
    data["top_hashtags"] = data["top_hashtags"][:hashtags]
    card = card_of(render_dashboard(data), "top_hashtags")
    assert card.xpath("./h3")[0].text_content() == title
    assert len(marks(card)) == hashtags


def test_the_hashtag_card_shows_five_at_most():
    data = make_data()
    data["top_hashtags"] = [{"hashtag": f"tag{n}", "tweets": 20 - n} for n in range(8)]
    card = card_of(render_dashboard(data), "top_hashtags")
    assert card.xpath("./h3")[0].text_content() == "Top 5 hashtags" and len(marks(card)) == 5


def test_every_reported_feedback_type_has_a_colour_of_its_own():
    colors = [FEEDBACK_COLORS[type_id] for type_id in REPORTED_FEEDBACK_TYPES]
    assert len(set(colors)) == len(colors) and OTHER_COLOR not in colors
    assert (FEEDBACK_COLORS["praise"], FEEDBACK_COLORS["complaint"]) == (POSITIVE, NEGATIVE)


def test_the_top_feedback_card_has_a_column_per_top_type_in_its_colour():
    page = render_dashboard(make_data())
    section = figure(page, "complaint_aspects").xpath("ancestor::section")[0]
    assert section.xpath("./h3")[0].text_content() == "Complaints and suggestions"
    for type_id, title, aspect in (
        ("complaint", "Top complaints", "Availability"),
        ("suggestion", "Top suggestions", "Coding"),
    ):
        column = card_of(page, f"{type_id}_aspects")
        assert column.xpath("./h4")[0].text_content() == title
        bars = marks(figure(page, f"{type_id}_aspects"))
        assert [bar.get("fill") for bar in bars] == [FEEDBACK_COLORS[type_id]] * len(bars)
        assert column.xpath(".//h5")[0].text_content() == aspect
    assert TOP_FEEDBACK_TYPES == ("complaint", "suggestion")


def test_what_frustrates_counts_each_aspects_complaints_and_suggestions():
    page = html.fromstring(render_dashboard(make_data()))
    frustrates = page.xpath('//li[@class="bad"]')[0].text_content()
    assert frustrates.endswith("30 tweets · 20 complaints · 1 suggestions")
