"""The scorer interface, the score it returns, and the one definition of labels and bands.

Every backend (tweet-aware VADER, plain VADER, the transformer) returns a :class:`SentimentScore` per
text, or ``None`` when the text has nothing to score (only links and mentions, or empty): such a tweet
is *unscored*, which is not the same as neutral. Labels and bands are derived from the compound score
alone, with the thresholds below; the Spark side builds its ``when`` expressions from the same
constants, and the warehouse's ``dim_sentiments`` publishes the same ranges (:data:`SENTIMENT_LABELS`,
:data:`SENTIMENT_BANDS`), so a label means the same thing everywhere.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import List, NamedTuple, Optional, Sequence, Tuple

# Calibrated for the tweet-aware VADER scorer on TweetEval: the thresholds with the best macro recall
# on a 0.05 grid, chosen on each half of the set and checked on the other (both halves picked
# +0.40/+0.45 and -0.05/-0.10), then on the whole set; `python -m tweets_etl.sentiment.calibrate`
# reproduces it. The band is asymmetric because VADER's positive words are often politeness or filler
# ("please", "lol", "hope", "free") in otherwise neutral tweets, while its negative words rarely are.
POSITIVE_AT_LEAST = 0.40
NEGATIVE_AT_MOST = -0.05
# Past +-0.70 VADER has seen two strong words, or one strong word with emphasis ("love it!!").
VERY_POSITIVE_AT_LEAST = 0.70
VERY_NEGATIVE_AT_MOST = -0.70
# The authors' published thresholds, kept for the plain-VADER baseline in eval-sentiment.
PLAIN_VADER_THRESHOLD = 0.05

UNSCORED = "unscored"


class SentimentScore(NamedTuple):
    """Compound score in [-1, 1] and the negative/neutral/positive proportions (each in [0, 1])."""

    compound: float
    positive: float
    neutral: float
    negative: float


@dataclass(frozen=True)
class Thresholds:
    """Where the 3-class label changes: compound >= positive_at_least is positive, <= negative_at_most
    negative, anything between neutral."""

    positive_at_least: float = POSITIVE_AT_LEAST
    negative_at_most: float = NEGATIVE_AT_MOST


DEFAULT_THRESHOLDS = Thresholds()
PLAIN_VADER_THRESHOLDS = Thresholds(PLAIN_VADER_THRESHOLD, -PLAIN_VADER_THRESHOLD)


@dataclass(frozen=True)
class SentimentClass:
    """One member of a sentiment dimension: id, display name and the compound range it covers.

    ``compound_min``/``compound_max`` are None for the unscored member; ``range_text`` spells the
    range with interval brackets so analysts can see which ends are inclusive.
    """

    id: str
    name: str
    compound_min: Optional[float]
    compound_max: Optional[float]
    range_text: str


def label(compound: Optional[float], thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """negative | neutral | positive from a compound score; ``unscored`` for None."""
    if compound is None:
        return UNSCORED
    if compound >= thresholds.positive_at_least:
        return "positive"
    if compound <= thresholds.negative_at_most:
        return "negative"
    return "neutral"


def band(compound: Optional[float]) -> str:
    """very_negative | negative | neutral | positive | very_positive; ``unscored`` for None.

    The neutral band is exactly the neutral label, so band and label never disagree.
    """
    if compound is None:
        return UNSCORED
    if compound >= VERY_POSITIVE_AT_LEAST:
        return "very_positive"
    if compound <= VERY_NEGATIVE_AT_MOST:
        return "very_negative"
    return label(compound)


def _ranges() -> Tuple[Tuple[SentimentClass, ...], Tuple[SentimentClass, ...]]:
    neg, pos = NEGATIVE_AT_MOST, POSITIVE_AT_LEAST
    very_neg, very_pos = VERY_NEGATIVE_AT_MOST, VERY_POSITIVE_AT_LEAST
    unscored = SentimentClass(UNSCORED, "Unscored", None, None, "no scorable text")
    labels = (
        SentimentClass("negative", "Negative", -1.0, neg, f"[-1.00, {neg:.2f}]"),
        SentimentClass("neutral", "Neutral", neg, pos, f"({neg:.2f}, {pos:.2f})"),
        SentimentClass("positive", "Positive", pos, 1.0, f"[{pos:.2f}, 1.00]"),
        unscored,
    )
    bands = (
        SentimentClass("very_negative", "Very negative", -1.0, very_neg, f"[-1.00, {very_neg:.2f}]"),
        SentimentClass("negative", "Negative", very_neg, neg, f"({very_neg:.2f}, {neg:.2f}]"),
        SentimentClass("neutral", "Neutral", neg, pos, f"({neg:.2f}, {pos:.2f})"),
        SentimentClass("positive", "Positive", pos, very_pos, f"[{pos:.2f}, {very_pos:.2f})"),
        SentimentClass("very_positive", "Very positive", very_pos, 1.0, f"[{very_pos:.2f}, 1.00]"),
        unscored,
    )
    return labels, bands


# Ordered members for dim_sentiments: the 3-class labels and the 5 bands, each ending with unscored.
SENTIMENT_LABELS, SENTIMENT_BANDS = _ranges()


class Scorer(ABC):
    """Scores tweet texts. Implementations are small and picklable: heavy state (an analyzer, a model)
    lives in a per-process cache, so shipping a scorer to a Spark executor costs nothing."""

    #: the name eval-sentiment and the config use for this scorer
    name: str = "scorer"
    #: thresholds to turn this scorer's compound into a label when evaluating it on its own terms
    thresholds: Thresholds = DEFAULT_THRESHOLDS

    @abstractmethod
    def score_many(self, texts: Sequence[Optional[str]]) -> List[Optional[SentimentScore]]:
        """One score per text, in order; None where a text has nothing to score."""

    def score(self, text: Optional[str]) -> Optional[SentimentScore]:
        """Score one text (None when it has nothing to score)."""
        return self.score_many([text])[0]
