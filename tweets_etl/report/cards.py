"""The dashboard's cards: each turns one dataset of :func:`dashboard_data` into an HTML fragment.

A card is ``<section class="card">`` with a title, a one-line explanation and a
``<figure class="chart" data-chart="NAME">`` holding one SVG (or an "empty" note when there is no
data). Every value that came from the warehouse is escaped here or in :mod:`svg`.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set

from tweets_etl.reference_data import UNKNOWN_MEMBER
from tweets_etl.report import format as fmt
from tweets_etl.report import svg
from tweets_etl.report.periods import NOT_JUDGED_NAME
from tweets_etl.report.svg import NEGATIVE, NEUTRAL, POSITIVE, UNSCORED, Bar, Slice, esc
from tweets_etl.sentiment.base import LABEL_IDS
from tweets_etl.sentiment.base import UNSCORED as UNSCORED_LABEL
from tweets_etl.taxonomy import COMPLAINT, PRAISE, QUESTION, SUGGESTION, TOP_FEEDBACK_TYPES, plural

LABEL_COLORS = {
    "positive": POSITIVE,
    "neutral": NEUTRAL,
    "negative": NEGATIVE,
    "unscored": UNSCORED,
    UNKNOWN_MEMBER: svg.NOT_JUDGED_COLOR,
}
LABEL_NAMES = {UNKNOWN_MEMBER: NOT_JUDGED_NAME}
BAND_COLORS = {
    "very_negative": "#b42318",
    "negative": "#e8776f",
    "neutral": NEUTRAL,
    "positive": "#6cc08b",
    "very_positive": "#1f7a45",
    "unscored": UNSCORED,
    UNKNOWN_MEMBER: svg.NOT_JUDGED_COLOR,
}
OTHER_COLOR = "#b8c0c8"
NOT_JUDGED_NOTE = (
    f"{NOT_JUDGED_NAME.lower()}: loaded without the enrich stage; "
    "`tweets-etl run --stages enrich,model,check` judges them"
)
# The reported types (load_taxonomy requires them) and the shipped file's others; a type an analyst
# added or renamed is drawn in OTHER_COLOR.
FEEDBACK_COLORS = {
    PRAISE: POSITIVE,
    COMPLAINT: NEGATIVE,
    SUGGESTION: "#e0a100",
    QUESTION: "#2563eb",
    "news_promo": "#8b5cf6",
    "other": OTHER_COLOR,
}
TYPE_COLORS = {"original": "#2563eb", "retweet": "#93b4f5", "quote": "#8b5cf6", "reply": "#14b8a6"}
DEVICE_NOTE = "unknown: X stopped sending the posting client in late 2022"


def card(title: str, chart: str, name: str, *, note: str = "", size: str = "", extra: str = "") -> str:
    css = f"card {size}".strip()
    explain = f'<p class="note">{esc(note)}</p>' if note else ""
    return (
        f'<section class="{css}"><h3>{esc(title)}</h3>{explain}'
        f'<figure class="chart" data-chart="{esc(name)}">{chart}</figure>{extra}</section>'
    )


def empty(message: str = "No data for this chart yet.") -> str:
    return f'<p class="empty">{esc(message)}</p>'


def legend(entries: Iterable[tuple]) -> str:
    items = "".join(
        f'<li><span class="swatch" style="background:{esc(color)}"></span>{esc(label)}</li>'
        for label, color in entries
    )
    return f'<ul class="legend">{items}</ul>'


def _bars(
    items: Sequence[Dict[str, Any]], key: str, *, prefix: str = "", colors: Optional[Dict] = None
) -> List[Bar]:
    return [
        Bar(f"{prefix}{item[key]}", item["tweets"], (colors or {}).get(item[key], svg.ACCENT))
        for item in items
    ]


def top_hashtags(data: Dict[str, Any], limit: int = 5) -> str:
    items = data["top_hashtags"][:limit]
    chart = svg.hbar(_bars(items, "hashtag", prefix="#")) if items else empty()
    # The title counts what is drawn: --top or the warehouse may give fewer than ``limit``.
    title = {0: "Top hashtags", 1: "Top hashtag"}.get(len(items), f"Top {len(items)} hashtags")
    return card(title, chart, "top_hashtags", note="tweets using each hashtag")


def by_attribute(data: Dict[str, Any], key: str, field: str, title: str, name: str, note: str = "") -> str:
    items = [item for item in data[key] if item["tweets"] > 0]
    chart = svg.hbar(_bars(items, field)) if items else empty()
    return card(title, chart, name, note=note)


def devices(data: Dict[str, Any]) -> str:
    return by_attribute(data, "devices", "device", "Tweets by device", "devices", DEVICE_NOTE)


def operating_systems(data: Dict[str, Any]) -> str:
    return by_attribute(data, "operating_systems", "os", "Tweets by OS", "operating_systems", DEVICE_NOTE)


def sentiment_bands(data: Dict[str, Any]) -> str:
    items = [item for item in data["sentiment_bands"] if item["tweets"] > 0]
    bars = [Bar(item["name"], item["tweets"], BAND_COLORS.get(item["band"], svg.ACCENT)) for item in items]
    chart = svg.hbar(bars) if bars else empty()
    return card(
        "Tweets by sentiment band", chart, "sentiment_bands", note="compound sentiment score in five bands"
    )


def label_name(label: str) -> str:
    return LABEL_NAMES.get(label, label.title())


def _not_judged_note(data: Dict[str, Any]) -> str:
    return NOT_JUDGED_NOTE if data["summary"].get(UNKNOWN_MEMBER) else ""


def sentiment_share(data: Dict[str, Any]) -> str:
    items = [item for item in data["sentiment_share"] if item["tweets"] > 0]
    total = sum(item["tweets"] for item in items)
    slices = [
        Slice(label_name(item["label"]), item["tweets"], LABEL_COLORS.get(item["label"], OTHER_COLOR))
        for item in items
    ]
    chart = svg.donut(slices, center=fmt.count(total), caption="tweets") if slices else empty()
    keys = legend((f"{s.label} {fmt.share(int(s.value), total)}", s.color) for s in slices)
    return card(
        "Sentiment share", chart, "sentiment_share", note=_not_judged_note(data), extra=keys, size="center"
    )


def tweet_types(data: Dict[str, Any]) -> str:
    items = [item for item in data["tweet_types"] if item["tweets"] > 0]
    total = sum(item["tweets"] for item in items)
    slices = [
        Slice(item["tweet_type"].title(), item["tweets"], TYPE_COLORS.get(item["tweet_type"], OTHER_COLOR))
        for item in items
    ]
    chart = svg.donut(slices, center=fmt.count(total), caption="tweets") if slices else empty()
    keys = legend((f"{s.label} {fmt.share(int(s.value), total)}", s.color) for s in slices)
    return card("Tweet types", chart, "tweet_types", extra=keys, size="center")


def volume_and_sentiment(data: Dict[str, Any]) -> str:
    timeline = data["timeline"]
    buckets = timeline["buckets"]
    if not buckets:
        return card("Volume and net sentiment", empty(), "timeline", size="wide")
    labels = list(LABEL_IDS)  # stacked negative to positive, bottom to top
    if any(b.get(UNKNOWN_MEMBER) for b in buckets):
        labels.append(UNKNOWN_MEMBER)
    series = [
        svg.Series(label_name(label), [b.get(label, 0) for b in buckets], LABEL_COLORS[label])
        for label in labels
    ]
    line = svg.Line("net sentiment", [b["net_sentiment"] for b in buckets], "#111827")
    chart = svg.stacked_columns([b["label"] for b in buckets], series, line=line, width=860)
    keys = legend([*((s.name, s.color) for s in series), ("Net sentiment (right axis)", "#111827")])
    note = f"tweets per {timeline['grain']} by sentiment; line: (positive - negative) / (positive + negative)"
    return card("Volume and net sentiment over time", chart, "timeline", note=note, size="wide", extra=keys)


def feedback_over_time(data: Dict[str, Any]) -> str:
    timeline = data["feedback_timeline"]
    buckets = timeline["buckets"]
    if not buckets:
        return card("Feedback types over time", empty(), "feedback_timeline", size="wide")
    series = [
        svg.Series(
            kind["name"],
            [b.get(kind["type"], 0) for b in buckets],
            FEEDBACK_COLORS.get(kind["type"], OTHER_COLOR),
        )
        for kind in timeline["types"]
    ]
    chart = svg.stacked_columns([b["label"] for b in buckets], series, width=860, height=240)
    keys = legend((s.name, s.color) for s in series)
    note = f"tweets per {timeline['grain']} by feedback type"
    return card("Feedback types over time", chart, "feedback_timeline", note=note, size="wide", extra=keys)


def trending(data: Dict[str, Any]) -> str:
    trend = data["trending_hashtags"]
    items = trend["items"]
    if not items:
        return card(
            "Trending hashtags", empty("Not enough days to compare two periods."), "trending_hashtags"
        )
    changes = [svg.Change(f"#{i['hashtag']}", i["growth"], i["current"], i["previous"]) for i in items]
    days = trend["period_days"]
    period = "day" if days == 1 else f"{days} days"
    note = f"last {period} ({trend['current'][0]} to {trend['current'][1]}) against the {period} before"
    asked = trend.get("requested_days")
    if asked:
        note += f"; --trend-days {asked} cut to {days}: the data covers {data['summary']['days']} days"
    return card("Trending hashtags", svg.growth_bars(changes), "trending_hashtags", note=note)


def hours(data: Dict[str, Any]) -> str:
    bars = [Bar(f"{item['hour']:02d}", item["tweets"]) for item in data["hours"]]
    chart = svg.columns(bars) if any(bar.value for bar in bars) else empty()
    return card("Tweets by hour of day (UTC)", chart, "hours")


def aspects(data: Dict[str, Any]) -> str:
    items = [item for item in data["aspects"] if item["tweets"] > 0]
    if not items:
        return card("Aspects and sentiment", empty(), "aspects", size="wide")
    ordered = sorted(items, key=lambda item: (_net(item), -item["tweets"]), reverse=True)
    rows = [
        svg.StackRow(
            item["aspect_name"],
            [(label.title(), item[label], LABEL_COLORS[label]) for label in LABEL_IDS],
            note=f"{fmt.count(item['tweets'])} tweets · net {fmt.signed(item['net_sentiment'])}",
        )
        for item in ordered
    ]
    keys = legend((label.title(), LABEL_COLORS[label]) for label in LABEL_IDS if label != UNSCORED_LABEL)
    note = "what each aspect's tweets feel, most pleasing first; a tweet can touch several aspects"
    return card("Aspects and sentiment", svg.share_bars(rows), "aspects", note=note, size="wide", extra=keys)


def _net(item: Dict[str, Any]) -> float:
    return item["net_sentiment"] if item["net_sentiment"] is not None else 0.0


def frustrates_and_pleases(data: Dict[str, Any], count: int = 3) -> str:
    """The aspects with the lowest and highest net sentiment among those with enough tweets."""
    total = data["summary"]["tweets"] or 0
    floor = max(5, total // 100)
    # Net sentiment over two opinionated tweets says little: rank only aspects with enough of them.
    solid = [
        item
        for item in data["aspects"]
        if item["positive"] + item["negative"] >= floor and item["net_sentiment"] is not None
    ]
    ranked = sorted(solid, key=lambda item: (item["net_sentiment"], -item["tweets"]))
    worst = [item for item in ranked if item["net_sentiment"] < 0][:count]
    best = [item for item in reversed(ranked) if item["net_sentiment"] > 0][:count]

    def items(rows: List[Dict[str, Any]], tone: str, none: str) -> str:
        if not rows:
            return f'<p class="muted">{esc(none)}</p>'
        listed = "".join(
            f'<li class="{tone}"><div class="row"><strong>{esc(r["aspect_name"])}</strong><span class="net">net '
            f'{fmt.signed(r["net_sentiment"])}</span></div><span class="muted">{fmt.count(r["tweets"])} tweets'
            + "".join(f" · {fmt.count(r[plural(kind)])} {plural(kind)}" for kind in TOP_FEEDBACK_TYPES)
            + "</span></li>"
            for r in rows
        )
        return f'<ol class="ranked">{listed}</ol>'

    if not ranked:
        body = empty("No aspect has enough tweets yet.")
    else:
        body = (
            f"<h4>What frustrates</h4>{items(worst, 'bad', 'No aspect leans negative.')}"
            f"<h4>What pleases</h4>{items(best, 'good', 'No aspect leans positive.')}"
        )
    note = f"net sentiment by aspect (aspects with at least {floor} positive or negative tweets)"
    return f'<section class="card"><h3>Frustrations and delights</h3><p class="note">{esc(note)}</p>{body}</section>'


def feedback_examples(data: Dict[str, Any], aspects_shown: int = 4, per_aspect: int = 2) -> str:
    """Top complaints and suggestions (:data:`~tweets_etl.taxonomy.TOP_FEEDBACK_TYPES`): the aspects with
    the most of each, with their most engaging tweets."""
    columns = []
    for kind in TOP_FEEDBACK_TYPES:
        counter = plural(kind)
        examples = [item for item in data["top_feedback"] if item["feedback_type"] == kind]
        by_aspect: Dict[str, List[Dict[str, Any]]] = {}
        for item in examples:
            by_aspect.setdefault(item["aspect"], []).append(item)
        ranked = sorted(
            (a for a in data["aspects"] if a[counter] > 0 and a["aspect"] in by_aspect),
            key=lambda a: (-a[counter], a["aspect"]),
        )[:aspects_shown]
        bars = [Bar(a["aspect_name"], a[counter], FEEDBACK_COLORS.get(kind, OTHER_COLOR)) for a in ranked]
        chart = svg.hbar(bars, width=560, label_width=150, unit=counter) if bars else empty()
        shown: Set[str] = set()  # a tweet about several aspects is quoted once, under the first
        blocks = "".join(_aspect_examples(a, by_aspect[a["aspect"]], per_aspect, shown) for a in ranked)
        columns.append(
            f'<div><h4>Top {esc(counter)}</h4><figure class="chart" data-chart="{kind}_aspects">{chart}</figure>{blocks}</div>'
        )
    kinds = " and ".join(plural(kind) for kind in TOP_FEEDBACK_TYPES)
    note = f"aspects with the most {kinds}, with their most engaging tweets (no retweets, no spam)"
    return f'<section class="card full"><h3>{esc(kinds.capitalize())}</h3><p class="note">{esc(note)}</p><div class="split">{"".join(columns)}</div></section>'


def _aspect_examples(
    aspect: Dict[str, Any], examples: List[Dict[str, Any]], limit: int, shown: Set[str]
) -> str:
    """Up to ``limit`` quotes not shown yet; near-copies (same words, other hashtags or links) count as shown."""
    quotes = []
    for item in sorted(examples, key=lambda e: e["feedback_rank"]):
        key = _gist(item["text"] or "")
        if key in shown:
            continue
        shown.add(key)
        quotes.append(_quote(item))
        if len(quotes) == limit:
            break
    if not quotes:
        return ""
    return f'<div class="examples"><h5>{esc(aspect["aspect_name"])}</h5>{"".join(quotes)}</div>'


def _gist(text: str) -> str:
    return " ".join(re.sub(r"https?://\S+|[#@]\w+", " ", text.lower()).split())


def _quote(item: Dict[str, Any]) -> str:
    tweet_id = str(item["tweet_id"])
    score = fmt.signed(item["sentiment_score"])
    engagements = item["engagement_count"] or 0
    unit = "engagement" if engagements == 1 else "engagements"
    return (
        f'<blockquote class="tweet"><p>{esc(item["text"] or "")}</p><footer>{esc(item["created_date"] or "")} · '
        f"{fmt.count(engagements)} {unit} · sentiment {score} · "
        f'<a href="https://x.com/i/web/status/{esc(tweet_id)}" rel="noopener noreferrer">open on X</a></footer></blockquote>'
    )


def languages(data: Dict[str, Any]) -> str:
    return by_attribute(data, "languages", "language_name", "Languages", "languages", "as tagged by X")


def locations(data: Dict[str, Any]) -> str:
    unknown = data["summary"].get("unknown_location", 0)
    note = f"tagged place, else the author's profile text; {fmt.count(unknown)} tweets without either"
    return by_attribute(data, "locations", "location_name", "Top locations", "locations", note)


def countries(data: Dict[str, Any]) -> str:
    return by_attribute(
        data,
        "countries",
        "country",
        "Countries (tagged places)",
        "countries",
        "only tweets with a tagged place",
    )
