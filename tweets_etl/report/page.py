"""The dashboard page: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched).

A Content-Security-Policy that allows nothing but inline styles and data: images makes "works
offline" a property of the file: a browser refuses any request the page might try, and a tweet that
slipped through unescaped could not run a script.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from tweets_etl.report import cards, svg
from tweets_etl.report import format as fmt
from tweets_etl.report.svg import esc
from tweets_etl.sentiment.base import DEFAULT_THRESHOLDS, Thresholds

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --bg: #f3f5f8; --card: #fff; --line: #e4e7eb; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header.top { background: #0f172a; color: #f8fafc; padding: 18px 32px 16px; }
header.top h1 { margin: 0 0 4px; font-size: 22px; font-weight: 650; }
header.top p { margin: 0; color: #cbd5e1; }
header.top .spam { color: #fde68a; }
main { max-width: 1440px; margin: 0 auto; padding: 18px 28px 40px; }
h2 { font-size: 15px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 26px 0 10px; }
.kpis { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 14px; }
.kpi, .card { background: var(--card); border-radius: 10px; box-shadow: 0 1px 2px rgba(15, 23, 42, .08); }
.kpi { padding: 14px 16px; }
.kpi .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.kpi .value { font-size: 28px; font-weight: 650; margin-top: 4px; }
.kpi .sub { color: var(--muted); font-size: 12px; }
.kpi.gauge { grid-row: span 1; padding: 8px 12px 4px; text-align: center; }
.kpi.gauge svg { max-width: 190px; }
.grid { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 16px; align-items: start; }
.card { padding: 14px 16px 12px; min-width: 0; }
.card.wide { grid-column: span 2; }
.card.full { grid-column: 1 / -1; }
.card h3 { margin: 0; font-size: 15px; font-weight: 650; }
.card h4 { margin: 8px 0 6px; font-size: 14px; }
.card h5 { margin: 12px 0 4px; font-size: 13px; color: var(--muted); }
.note { margin: 2px 0 8px; color: var(--muted); font-size: 12px; }
figure.chart { margin: 0; }
figure.chart svg { display: block; width: 100%; height: auto; }
.card.center figure.chart svg { max-width: 210px; margin: 0 auto; }
.legend { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 14px;
  font-size: 12px; color: var(--muted); justify-content: center; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.split { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
.ranked { margin: 0; padding-left: 20px; }
.ranked li { margin-bottom: 10px; }
.ranked .row { display: flex; justify-content: space-between; gap: 8px; }
.ranked li.bad .net { color: #b42318; font-weight: 600; }
.ranked li.good .net { color: #1f7a45; font-weight: 600; }
.muted { color: var(--muted); font-size: 12px; }
blockquote.tweet { margin: 6px 0; padding: 8px 12px; border-left: 3px solid var(--line); background: #f8fafc;
  border-radius: 0 6px 6px 0; }
blockquote.tweet p { margin: 0 0 4px; white-space: pre-wrap; overflow-wrap: anywhere; }
blockquote.tweet footer { color: var(--muted); font-size: 12px; }
blockquote.tweet a { color: #2563eb; }
.empty { color: var(--muted); font-style: italic; padding: 24px 0; text-align: center; }
footer.about { color: var(--muted); font-size: 12px; margin-top: 28px; }
footer.about dt { font-weight: 600; color: var(--ink); margin-top: 6px; }
footer.about dd { margin: 0; }
@media (max-width: 1180px) {
  .kpis { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  .grid { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .card.wide { grid-column: 1 / -1; }
}
@media (max-width: 760px) {
  .kpis, .grid, .split { grid-template-columns: 1fr; }
  main { padding: 12px; }
}
"""


def render_dashboard(data: Dict[str, Any], thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """The whole page for the datasets of :func:`tweets_etl.report.queries.dashboard_data`; the gauge
    and the legend quote ``thresholds``, those of the backend that labelled the tweets."""
    summary = data["summary"]
    sections = [
        (
            "At a glance",
            [
                cards.top_hashtags(data),
                cards.devices(data),
                cards.operating_systems(data),
                cards.sentiment_bands(data),
                cards.sentiment_share(data),
                cards.tweet_types(data),
            ],
        ),
        (
            "Over time",
            [
                cards.volume_and_sentiment(data),
                cards.trending(data),
                cards.feedback_over_time(data),
                cards.hours(data),
            ],
        ),
        (
            "What people say",
            [cards.aspects(data), cards.frustrates_and_pleases(data), cards.feedback_examples(data)],
        ),
        ("Who and where", [cards.languages(data), cards.locations(data), cards.countries(data)]),
    ]
    body = "".join(
        f'<h2>{esc(title)}</h2><div class="grid">{"".join(parts)}</div>' for title, parts in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(_title(summary))}</title><style>{CSS}</style></head><body>"
        f"{_header(data)}<main>{_kpis(summary, thresholds)}{body}{_about(data, thresholds)}</main></body></html>\n"
    )


def _title(summary: Dict[str, Any]) -> str:
    return f"ChatGPT on X: {fmt.count(summary['tweets'])} tweets"


def _period(summary: Dict[str, Any]) -> str:
    first, last = summary.get("first_date"), summary.get("last_date")
    if not first:
        return "no tweets yet"
    return first if first == last else f"{first} to {last} ({summary['days']} days)"


def _header(data: Dict[str, Any]) -> str:
    summary = data["summary"]
    if data["include_spam"]:
        spam = '<span class="spam">spam included</span>'
    else:
        spam = f'<span class="spam">{fmt.count(summary["spam_excluded"])} spam, bot or promo tweets left out</span>'
    return (
        '<header class="top"><h1>What people say about ChatGPT on X</h1>'
        f"<p>{fmt.count(summary['tweets'])} tweets · {esc(_period(summary))} · {spam} · "
        f"database {esc(data['database'])} · generated {esc(data['generated_at'])}</p></header>"
    )


def _kpi(label: str, value: str, sub: str = "") -> str:
    extra = f'<div class="sub">{esc(sub)}</div>' if sub else ""
    return f'<div class="kpi"><div class="label">{esc(label)}</div><div class="value">{esc(value)}</div>{extra}</div>'


def _kpis(summary: Dict[str, Any], thresholds: Thresholds) -> str:
    tweets = summary["tweets"] or 0
    rate = summary["avg_engagement_rate"]
    net = summary["net_sentiment"]
    tiles: List[str] = [
        _kpi("Tweets", fmt.count(tweets), f"{fmt.count(summary['authors'])} authors"),
        _kpi(
            "Retweets", fmt.count(summary["retweets"]), f"{fmt.share(summary['retweets'], tweets)} of tweets"
        ),
        '<div class="kpi gauge"><div class="label">Average sentiment</div>'
        f'<figure class="chart" data-chart="sentiment_gauge">{_gauge(summary["avg_sentiment"], thresholds)}</figure></div>',
        _kpi("Net sentiment", fmt.signed(net), "(positive − negative) ÷ both"),
        _kpi(
            "Avg engagement rate",
            fmt.percent(rate, 2) if rate is not None else fmt.NOT_AVAILABLE,
            "engagements ÷ impressions, per tweet",
        ),
        _kpi(
            "Engagements",
            fmt.count(summary["engagements"]),
            "likes + retweets + replies + quotes of posts (not of retweets)",
        ),
    ]
    return f'<div class="kpis">{"".join(tiles)}</div>'


def _gauge(value: Optional[float], thresholds: Thresholds) -> str:
    return svg.gauge(
        value,
        negative_at_most=thresholds.negative_at_most,
        positive_at_least=thresholds.positive_at_least,
        caption="average sentiment",
    )


def _about(data: Dict[str, Any], thresholds: Thresholds) -> str:
    spam = (
        "Spam is included (--include-spam)."
        if data["include_spam"]
        else "Tweets flagged as spam, bots or promotion (fct_tweets.is_spam) are left out of every chart; "
        "the header says how many. Run `tweets-etl report --include-spam` to keep them."
    )
    terms = [
        (
            "Sentiment",
            "compound score of each tweet's full text, from −1 (negative) to +1 (positive). "
            f"Negative at or below {thresholds.negative_at_most:+.2f}, "
            f"positive at or above {thresholds.positive_at_least:+.2f}, neutral between; very negative/positive "
            f"beyond {thresholds.very_negative_at_most:+.2f}/{thresholds.very_positive_at_least:+.2f}. "
            "Unscored: nothing left to score (only links and mentions).",
        ),
        (
            "Net sentiment",
            "(positive − negative) ÷ (positive + negative) tweets: +1 all positive, −1 all negative.",
        ),
        (
            "Engagement rate",
            "(likes + retweets + replies + quotes) ÷ impressions, averaged over tweets with impressions. "
            "Retweets are left out: X gives a retweet its original's counts.",
        ),
        (
            "Aspects and feedback types",
            "keyword rules from conf/taxonomy.yaml; a tweet can touch several aspects.",
        ),
        ("Spam", spam),
        (
            "Source",
            f"Hive database {data['database']}: fct_tweets and its dimensions, mart_top_feedback. "
            "The numbers behind every chart are in dashboard.json next to this file.",
        ),
    ]
    items = "".join(f"<dt>{esc(term)}</dt><dd>{esc(text)}</dd>" for term, text in terms)
    return f'<footer class="about"><dl>{items}</dl></footer>'
