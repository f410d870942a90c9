"""Sentiment scoring for tweets, in pure Python (no Spark): scorers, labels and bands, evaluation.

``build_scorer("vader")`` is the default tweet-aware VADER; ``"plain-vader"`` is the published VADER
baseline; ``"transformer"`` scores with local cardiffnlp weights. The Spark side
(:mod:`tweets_etl.transforms.sentiment`) wraps these in one pandas UDF.
"""

from __future__ import annotations

from typing import Optional

from tweets_etl.errors import ConfigError
from tweets_etl.sentiment.base import (
    SENTIMENT_BANDS,
    SENTIMENT_LABELS,
    UNSCORED,
    Scorer,
    SentimentScore,
    band,
    label,
)

SCORERS = ("vader", "plain-vader", "transformer")

__all__ = [
    "SCORERS",
    "SENTIMENT_BANDS",
    "SENTIMENT_LABELS",
    "UNSCORED",
    "Scorer",
    "SentimentScore",
    "band",
    "build_scorer",
    "label",
]


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
    raise ConfigError(f"sentiment.backend is {backend!r}; choose one of: {', '.join(SCORERS)}")
