"""Sentiment scoring for tweets, in pure Python (no Spark): scorers, labels and bands, evaluation.

``build_scorer("vader")`` is the default tweet-aware VADER; ``"plain-vader"`` is the published VADER
baseline; ``"transformer"`` scores with local cardiffnlp weights. The Spark side
(:mod:`tweets_etl.transforms.sentiment`) wraps these in one pandas UDF. :func:`thresholds_for` gives a
backend's label and band thresholds without building the scorer (nor importing torch).
"""

from __future__ import annotations

from typing import Optional

from tweets_etl.errors import ConfigError
from tweets_etl.sentiment.base import (
    DEFAULT_THRESHOLDS,
    PLAIN_VADER_THRESHOLDS,
    SENTIMENT_BANDS,
    SENTIMENT_LABELS,
    TRANSFORMER_THRESHOLDS,
    UNSCORED,
    Scorer,
    SentimentScore,
    Thresholds,
    band,
    label,
    sentiment_ranges,
)

SCORERS = ("vader", "plain-vader", "transformer")
# Each scorer's own thresholds (its ``thresholds`` attribute), here so the Spark expressions, the
# dimension and the dashboard can use them without building a scorer.
_THRESHOLDS = {
    "vader": DEFAULT_THRESHOLDS,
    "plain-vader": PLAIN_VADER_THRESHOLDS,
    "transformer": TRANSFORMER_THRESHOLDS,
}

__all__ = [
    "SCORERS",
    "SENTIMENT_BANDS",
    "SENTIMENT_LABELS",
    "UNSCORED",
    "Scorer",
    "SentimentScore",
    "Thresholds",
    "band",
    "build_scorer",
    "label",
    "sentiment_ranges",
    "thresholds_for",
]


def thresholds_for(backend: str = "vader") -> Thresholds:
    """The label and band thresholds of a backend's scorer (``sentiment.backend``); imports nothing."""
    if backend not in _THRESHOLDS:
        raise _unknown_backend(backend)
    return _THRESHOLDS[backend]


def build_scorer(backend: str = "vader", *, model_path: Optional[str] = None, batch_size: int = 64) -> Scorer:
    """The scorer for a backend name (``sentiment.backend`` in the config, ``--scorer`` on the CLI)."""
    if backend == "vader":
        from tweets_etl.sentiment.vader import VaderScorer

        return VaderScorer()
    if backend == "plain-vader":
        from tweets_etl.sentiment.vader import PlainVaderScorer

        return PlainVaderScorer()
    if backend == "transformer":
        from tweets_etl.sentiment.transformer import TransformerScorer

        return TransformerScorer(model_path, batch_size=batch_size)
    raise _unknown_backend(backend)


def _unknown_backend(backend: str) -> ConfigError:
    return ConfigError(f"sentiment.backend is {backend!r}; choose one of: {', '.join(SCORERS)}")
