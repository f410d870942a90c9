"""Each backend labels with its own thresholds: the pure functions, the dimension's ranges, the
fingerprint that rebuilds dim_sentiments, and the dashboard's legend (no Spark)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from lxml import html

from tests.unit.report.dashboard_data import make_data
from tweets_etl.errors import ConfigError
from tweets_etl.io import seeds
from tweets_etl.report.build import write_report
from tweets_etl.report.page import render_dashboard
from tweets_etl.sentiment import (
    SCORERS,
    SENTIMENT_BANDS,
    SENTIMENT_LABELS,
    band,
    build_scorer,
    label,
    sentiment_ranges,
    thresholds_for,
)
from tweets_etl.sentiment.base import (
    DEFAULT_THRESHOLDS,
    PLAIN_VADER_THRESHOLDS,
    TRANSFORMER_THRESHOLDS,
    Thresholds,
)
from tweets_etl.sentiment.transformer import score_in_batches
from tweets_etl.tables import DIM_SENTIMENTS

SHIPPED = (DEFAULT_THRESHOLDS, PLAIN_VADER_THRESHOLDS, TRANSFORMER_THRESHOLDS)


def test_each_backend_has_the_thresholds_of_its_scorer():
    scorers = {name: build_scorer(name, model_path="/models/roberta") for name in SCORERS}
    assert {name: thresholds_for(name) for name in SCORERS} == {
        name: scorer.thresholds for name, scorer in scorers.items()
    }
    assert thresholds_for("vader") == Thresholds(0.40, -0.05, 0.70, -0.70)
    assert thresholds_for("transformer") == Thresholds(0.50, -0.50, 0.80, -0.80)
    with pytest.raises(ConfigError, match="choose one of: vader, plain-vader, transformer"):
        thresholds_for("textblob")


def test_thresholds_for_the_transformer_imports_neither_torch_nor_the_backend():
    code = (
        "import sys; from tweets_etl.sentiment import thresholds_for; thresholds_for('transformer'); "
        "print(sorted({'torch', 'transformers', 'tweets_etl.sentiment.transformer'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("probabilities", "expected_label", "expected_band"),
    [
        # (negative, neutral, positive): 85% sure it is neutral is neutral, whatever the small rest says.
        ((0.10, 0.85, 0.05), "neutral", "neutral"),
        ((0.05, 0.85, 0.10), "neutral", "neutral"),
        ((0.05, 0.25, 0.70), "positive", "positive"),
        ((0.70, 0.25, 0.05), "negative", "negative"),
        ((0.01, 0.04, 0.95), "positive", "very_positive"),
        ((0.95, 0.04, 0.01), "negative", "very_negative"),
        # The model's most likely class, but under half: not confident enough for a label.
        ((0.30, 0.25, 0.45), "neutral", "neutral"),
    ],
)
def test_the_transformer_labels_only_what_the_model_itself_would(
    probabilities, expected_label, expected_band
):
    [score] = score_in_batches(["a tweet"], lambda texts: [probabilities] * len(texts), batch_size=8)
    thresholds = build_scorer("transformer", model_path="/models/roberta").thresholds
    assert label(score.compound, thresholds) == expected_label
    assert band(score.compound, thresholds) == expected_band


@pytest.mark.parametrize("thresholds", SHIPPED)
def test_shipped_thresholds_are_ordered(thresholds):
    assert -1.0 < thresholds.very_negative_at_most < thresholds.negative_at_most
    assert (
        thresholds.negative_at_most < thresholds.positive_at_least < thresholds.very_positive_at_least < 1.0
    )


@pytest.mark.parametrize("thresholds", SHIPPED)
def test_published_ranges_follow_the_thresholds_and_agree_with_the_functions(thresholds):
    labels, bands = sentiment_ranges(thresholds)
    assert [member.id for member in labels] == [member.id for member in SENTIMENT_LABELS]
    assert [member.id for member in bands] == [member.id for member in SENTIMENT_BANDS]
    for members in (labels, bands):
        scored = [member for member in members if member.id != "unscored"]
        assert scored[0].compound_min == -1.0 and scored[-1].compound_max == 1.0
        for lower, upper in zip(scored, scored[1:]):
            assert lower.compound_max == upper.compound_min
    for member in bands[:-1]:
        assert band((member.compound_min + member.compound_max) / 2, thresholds) == member.id
    for member in labels[:-1]:
        assert label((member.compound_min + member.compound_max) / 2, thresholds) == member.id


def test_the_transformer_publishes_its_own_ranges():
    labels, bands = sentiment_ranges(TRANSFORMER_THRESHOLDS)
    assert [member.range_text for member in labels[:-1]] == [
        "[-1.00, -0.50]",
        "(-0.50, 0.50)",
        "[0.50, 1.00]",
    ]
    assert [member.range_text for member in bands[:-1]] == [
        "[-1.00, -0.80]",
        "(-0.80, -0.50]",
        "(-0.50, 0.50)",
        "[0.50, 0.80)",
        "[0.80, 1.00]",
    ]
    assert sentiment_ranges() == (SENTIMENT_LABELS, SENTIMENT_BANDS)


def test_dim_sentiments_is_rebuilt_when_the_backend_changes_and_only_then(shipped_taxonomy):
    from tweets_etl.stages import _reference_dimensions

    def sentiment_fingerprint(thresholds):
        [content] = [
            content
            for table, _, content in _reference_dimensions(None, shipped_taxonomy, thresholds)
            if table == DIM_SENTIMENTS
        ]
        return seeds.fingerprint(content)

    # VADER's is what it was before thresholds became per backend, so no warehouse rebuilds for nothing.
    assert sentiment_fingerprint(thresholds_for("vader")) == seeds.fingerprint(SENTIMENT_BANDS)
    assert sentiment_fingerprint(thresholds_for("transformer")) != sentiment_fingerprint(
        thresholds_for("vader")
    )


def _sentiment_legend(page: str) -> str:
    doc = html.fromstring(page)
    [term] = doc.xpath('//footer//dt[normalize-space()="Sentiment"]')
    return term.getnext().text_content()


def _gauge_zones(page: str) -> list:
    doc = html.fromstring(page)
    return [title.text for title in doc.xpath('//figure[@data-chart="sentiment_gauge"]//title')][:3]


def test_the_dashboard_quotes_the_thresholds_it_is_given(tmp_path):
    vader_page = render_dashboard(make_data())
    assert "Negative at or below -0.05, positive at or above +0.40" in _sentiment_legend(vader_page)
    assert "beyond -0.70/+0.70" in _sentiment_legend(vader_page)
    files = write_report(make_data(), tmp_path, TRANSFORMER_THRESHOLDS)
    page = files.html.read_text(encoding="utf-8")
    assert "Negative at or below -0.50, positive at or above +0.50" in _sentiment_legend(page)
    assert "beyond -0.80/+0.80" in _sentiment_legend(page)
    assert _gauge_zones(page) == ["-1.00 to -0.50", "-0.50 to +0.50", "+0.50 to +1.00"]
