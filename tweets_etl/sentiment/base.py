"""The scorer interface, the score it returns, and the one definition of labels and bands.

Every backend (tweet-aware VADER, plain VADER, the transformer) returns a :class:`SentimentScore` per
text, or ``None`` when the text has nothing to score (only links and mentions, or empty): such a tweet
is *unscored*, which is not the same as neutral. Labels and bands are derived from the compound score
alone, with the :class:`Thresholds` of the scorer that produced it (each backend's compound means
something different, so each carries its own: :func:`tweets_etl.sentiment.thresholds_for`). The Spark
side builds its ``when`` expressions from the same thresholds, the warehouse's ``dim_sentiments``
publishes the same ranges (:func:`sentiment_ranges`) and the dashboard's legend quotes them, so a label
means the same thing everywhere for the configured backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import List, NamedTuple, Optional, Sequence, Tuple

# Calibrated for the tweet-aware VADER scorer on TweetEval: the thresholds with the best macro recall
# on a 0.05 grid, chosen on each half of the set and checked on the other (the first half picked
# +0.40/-0.05, the second +0.35/-0.10), then on the whole set (+0.40/-0.05);
# `python -m tweets_etl.sentiment.calibrate` reproduces it. The band is asymmetric because VADER's
# positive words are often politeness or filler ("please", "lol", "hope", "free") in otherwise neutral
# tweets, while its negative words rarely are.
POSITIVE_AT_LEAST = 0.40
NEGATIVE_AT_MOST = -0.05
# Past +-0.70 VADER has seen two strong words, or one strong word with emphasis ("love it!!").
VERY_POSITIVE_AT_LEAST = 0.70
VERY_NEGATIVE_AT_MOST = -0.70
# The authors' published thresholds, kept for the plain-VADER baseline in eval-sentiment.
PLAIN_VADER_THRESHOLD = 0.05
# The transformer's compound is p(positive) - p(negative). At +0.50 or more, p(positive) >= 0.50, at
# least as much as the other two classes together, so positive is the model's own most likely class
# (likewise negative at -0.50): a label is only given where the model itself would give it, never from
# probability the model puts on neutral. The converse does not hold (a tweet the model calls positive
# at 45% is neutral here). Past +-0.80 the model puts at least 80% on that class. Not calibrated on
# TweetEval: the weights cannot be downloaded on the machine this was built on.
TRANSFORMER_THRESHOLD = 0.50
TRANSFORMER_VERY_THRESHOLD = 0.80

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
    negative, anything between neutral; and where the 5 bands add very_positive (>=
    very_positive_at_least) and very_negative (<= very_negative_at_most). The defaults are the
    tweet-aware VADER scorer's."""

    positive_at_least: float = POSITIVE_AT_LEAST
    negative_at_most: float = NEGATIVE_AT_MOST
    very_positive_at_least: float = VERY_POSITIVE_AT_LEAST
    very_negative_at_most: float = VERY_NEGATIVE_AT_MOST


DEFAULT_THRESHOLDS = Thresholds()
PLAIN_VADER_THRESHOLDS = Thresholds(PLAIN_VADER_THRESHOLD, -PLAIN_VADER_THRESHOLD)
TRANSFORMER_THRESHOLDS = Thresholds(
    TRANSFORMER_THRESHOLD, -TRANSFORMER_THRESHOLD, TRANSFORMER_VERY_THRESHOLD, -TRANSFORMER_VERY_THRESHOLD
)


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


def band(compound: Optional[float], thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    """very_negative | negative | neutral | positive | very_positive; ``unscored`` for None.

    The neutral band is exactly the neutral label, so band and label never disagree.
    """
    if compound is None:
        return UNSCORED
    if compound >= thresholds.very_positive_at_least:
        return "very_positive"
    if compound <= thresholds.very_negative_at_most:
        return "very_negative"
    return label(compound, thresholds)


def sentiment_ranges(
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Tuple[Tuple[SentimentClass, ...], Tuple[SentimentClass, ...]]:
    """The members of ``dim_sentiments`` at ``thresholds``: the 3-class labels and the 5 bands, in
    order, each ending with unscored. Ids never change; the ranges follow the thresholds."""
    neg, pos = thresholds.negative_at_most, thresholds.positive_at_least
    very_neg, very_pos = thresholds.very_negative_at_most, thresholds.very_positive_at_least
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


# The members at the default (VADER) thresholds; the ids are the same at any thresholds.
SENTIMENT_LABELS, SENTIMENT_BANDS = sentiment_ranges()
# The label ids in dim_sentiments' order, negative to positive then unscored: stacked charts draw
# them in this order, bottom to top.
LABEL_IDS = tuple(member.id for member in SENTIMENT_LABELS)
# The same ids positive first: the order of the marts' count columns, the run summary's sentiment line
# and the dashboard's sentiment share. The marts' columns are published, so this order stays.
LABEL_IDS_POSITIVE_FIRST = ("positive", "neutral", "negative", UNSCORED)


def net_sentiment(positive: int, negative: int) -> Optional[float]:
    """(positive - negative) / (positive + negative), in [-1, 1]: how opinionated tweets lean. None
    when there is no positive or negative tweet (the dashboard and the summary show n/a)."""
    polar = positive + negative
    return (positive - negative) / polar if polar else None


class Scorer(ABC):
    """Scores tweet texts. Implementations are small and picklable: heavy state (an analyzer, a model)
    lives in a per-process cache, so shipping a scorer to a Spark executor costs nothing."""

    #: the name eval-sentiment and the config use for this scorer
    name: str = "scorer"
    #: thresholds that turn this scorer's compound into a label and a band (in eval-sentiment and in
    #: the pipeline alike)
    thresholds: Thresholds = DEFAULT_THRESHOLDS

    @abstractmethod
    def score_many(self, texts: Sequence[Optional[str]]) -> List[Optional[SentimentScore]]:
        """One score per text, in order; None where a text has nothing to score."""

    def score(self, text: Optional[str]) -> Optional[SentimentScore]:
        """Score one text (None when it has nothing to score)."""
        return self.score_many([text])[0]
