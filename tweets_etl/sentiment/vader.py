"""VADER, made to read tweets: the default sentiment scorer, and plain VADER as the baseline.

VADER (Hutto & Gilbert 2014) scores whitespace-separated words against a lexicon with rules for
negation, boosters, capitals and punctuation. Tweets defeat it in predictable ways, each fixed by one
switch in :class:`TweetOptions` (all on by default; eval-sentiment and ``calibrate`` measure each):

``decode``       HTML entities and literal ``\\u2019`` escapes left by exports become characters.
``quotes``       typographic apostrophes and the ellipsis become ASCII, so ``don’t`` negates like
                 ``don't`` and ``not…`` like ``not...``.
``hashtags``     ``#GameChanger`` is read as ``Game Changer``.
``elongations``  ``soooo goooood`` is read as ``so good``.
``emoji``        common emoji carry a valence (:data:`lexicon.EMOJI_VALENCES`), also when glued to
                 words.
``emoticons``    emoticons glued to words (``great:)``) are read as emoticons.
``sentences``    negation and boosters stop at the end of a sentence ("It doesn't. Great." is
                 positive), see :mod:`tweets_etl.sentiment.scoped`.
``censored``     censored profanity (``f***``, ``sh*t``) is read as the word.
``like``         "like" counts as positive only as a verb ("I like it"), not as a preposition or
                 filler ("looks like rain", "like 5 hours").
``numbers``      numeric entries of VADER's lexicon (``143``, ``187``: 1990s chat codes) are ignored;
                 in tweets they are counts, prices and dates.
``domain``       ChatGPT-domain terms (:data:`lexicon.DOMAIN_TERMS`).
``thresholds``   the calibrated neutral band (:mod:`tweets_etl.sentiment.base`).

The analyzer (7,500-word lexicon) is built once per process and per lexicon variant, on first use;
scorer objects only hold their options, so they pickle in microseconds for Spark executors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from typing import Callable, Dict, List, Optional, Pattern, Sequence, Tuple

from tweets_etl.errors import TweetsEtlError
from tweets_etl.sentiment import prepare
from tweets_etl.sentiment.base import (
    DEFAULT_THRESHOLDS,
    PLAIN_VADER_THRESHOLDS,
    Scorer,
    SentimentScore,
    Thresholds,
)
from tweets_etl.sentiment.lexicon import DOMAIN_TERMS, EMOJI_VALENCES, PROFANITY


@dataclass(frozen=True)
class TweetOptions:
    """Which tweet-aware steps run; see the module docstring for what each one fixes."""

    decode: bool = True
    quotes: bool = True
    sentences: bool = True
    hashtags: bool = True
    elongations: bool = True
    emoji: bool = True
    emoticons: bool = True
    censored: bool = True
    like: bool = True
    numbers: bool = True
    domain: bool = True
    thresholds: Thresholds = DEFAULT_THRESHOLDS


PLAIN_OPTIONS = TweetOptions(
    decode=False,
    quotes=False,
    sentences=False,
    hashtags=False,
    elongations=False,
    emoji=False,
    emoticons=False,
    censored=False,
    like=False,
    numbers=False,
    domain=False,
    thresholds=PLAIN_VADER_THRESHOLDS,
)
# The order in which ``calibrate`` switches levers on, one at a time, to measure each.
LEVERS: Tuple[str, ...] = (
    "decode",
    "quotes",
    "sentences",
    "hashtags",
    "elongations",
    "emoji",
    "emoticons",
    "censored",
    "like",
    "numbers",
    "domain",
)


class _Lexicon:
    """A VADER analyzer with this process's lexicon variant, plus the patterns that feed it."""

    def __init__(self, *, numbers: bool, domain: bool, emoji: bool, sentences: bool) -> None:
        try:
            from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SentimentIntensityAnalyzer
        except ImportError:
            raise TweetsEtlError(
                "the VADER scorer needs the vaderSentiment package; pip install 'tweets-etl[pipeline]'"
            ) from None

        if sentences:
            from tweets_etl.sentiment.scoped import SentenceScopedAnalyzer

            self.analyzer = SentenceScopedAnalyzer()
        else:
            self.analyzer = SentimentIntensityAnalyzer()
        lexicon = self.analyzer.lexicon
        self.emoticons = tuple(
            term for term in lexicon if not any(ch.isalpha() for ch in term) and len(term) > 1
        )
        if numbers:
            for term in [term for term in lexicon if term.isdigit()]:
                del lexicon[term]
        self.phrases: Optional[Pattern[str]] = None
        if domain:
            for term, valence in DOMAIN_TERMS.items():
                lexicon[_phrase_token(term)] = valence
            self.phrases = _phrase_pattern([term for term in DOMAIN_TERMS if " " in term])
        self.emoji_spacing: Dict[int, str] = {}
        if emoji:
            for symbol, valence in EMOJI_VALENCES.items():
                # Ours win over VADER's own emoji-to-words step, which runs first inside the analyzer.
                self.analyzer.emojis.pop(symbol, None)
                lexicon[symbol] = valence
            self.emoji_spacing = prepare.spacing_table(EMOJI_VALENCES)
        self.emoticon_pattern = prepare.emoticon_pattern(self.emoticons)
        self._known = set(lexicon) | set(BOOSTER_DICT) | set(NEGATE)

    def is_known(self, word: str) -> bool:
        return word in self._known

    def is_emoticon(self, token: str) -> bool:
        return token in self.analyzer.lexicon and not any(ch.isalnum() for ch in token)


def _phrase_token(term: str) -> str:
    return term.lower().replace(" ", "_")


def _phrase_pattern(phrases: List[str]) -> Optional[Pattern[str]]:
    if not phrases:
        return None
    ordered = sorted(phrases, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(word) for word in phrase.split()) for phrase in ordered)
    # The lookahead on first letters skips most positions cheaply (see prepare.token_pattern).
    first = "".join(sorted({re.escape(phrase[0].lower()) for phrase in ordered}))
    return re.compile(rf"(?<![\w'-])(?=[{first}])(?:{body})(?![\w'-])", re.IGNORECASE)


@cache
def _lexicon(numbers: bool, domain: bool, emoji: bool, sentences: bool) -> _Lexicon:
    """One analyzer per process and lexicon variant (the lazy singleton executors share)."""
    return _Lexicon(numbers=numbers, domain=domain, emoji=emoji, sentences=sentences)


class VaderScorer(Scorer):
    """Tweet-aware VADER (the default). ``score_many`` returns None for texts with nothing to score."""

    name = "vader"

    def __init__(self, options: TweetOptions = TweetOptions()) -> None:
        self.options = options
        self.thresholds = options.thresholds

    def score_many(self, texts: Sequence[Optional[str]]) -> List[Optional[SentimentScore]]:
        lexicon = self._lexicon()
        return [self._score(text, lexicon) for text in texts]

    def normalize(self, text: str) -> str:
        """The text as this scorer hands it to VADER (for debugging a score)."""
        lexicon = self._lexicon()
        return self._normalize(self._prepare(text), lexicon)

    def _lexicon(self) -> _Lexicon:
        options = self.options
        return _lexicon(options.numbers, options.domain, options.emoji, options.sentences)

    def _prepare(self, text: str) -> str:
        prepared = prepare.prepare_text(text)
        return prepare.decode_artifacts(prepared) if self.options.decode else prepared

    def _score(self, text: Optional[str], lexicon: _Lexicon) -> Optional[SentimentScore]:
        if text is None:
            return None
        prepared = self._prepare(text)
        if not prepare.has_content(prepared, lexicon.is_emoticon):
            return None
        return _polarity(lexicon.analyzer, self._normalize(prepared, lexicon))

    def _normalize(self, text: str, lexicon: _Lexicon) -> str:
        options = self.options
        steps: List[Callable[[str], str]] = []
        if options.quotes:
            steps.append(prepare.normalize_quotes)
        if options.emoji:
            steps.append(prepare.strip_emoji_modifiers)
            steps.append(lambda text: text if text.isascii() else text.translate(lexicon.emoji_spacing))
        if options.emoticons:
            steps.append(lambda text: prepare.space_out(text, lexicon.emoticon_pattern))
        if options.censored:
            steps.append(lambda text: prepare.uncensor(text, PROFANITY))
        if options.hashtags:
            steps.append(prepare.split_hashtags)
        if options.elongations:
            steps.append(lambda text: prepare.squeeze_elongations(text, lexicon.is_known))
        if options.domain and lexicon.phrases is not None:
            phrases = lexicon.phrases
            steps.append(lambda text: phrases.sub(lambda match: "_".join(match.group(0).split()), text))
        if options.like:
            steps.append(prepare.mark_prepositional_like)
        for step in steps:
            text = step(text)
        return text


class PlainVaderScorer(Scorer):
    """VADER exactly as published, on the raw text, labelled at +-0.05: the baseline to beat."""

    name = "plain-vader"
    thresholds = PLAIN_VADER_THRESHOLDS

    def score_many(self, texts: Sequence[Optional[str]]) -> List[Optional[SentimentScore]]:
        analyzer = _lexicon(False, False, False, False).analyzer
        return [None if text is None or not text.strip() else _polarity(analyzer, text) for text in texts]


def _polarity(analyzer, text: str) -> SentimentScore:
    scores = analyzer.polarity_scores(text)
    return SentimentScore(scores["compound"], scores["pos"], scores["neu"], scores["neg"])


def with_levers(levers: Sequence[str], thresholds: Thresholds = PLAIN_VADER_THRESHOLDS) -> VaderScorer:
    """A tweet-aware scorer with only ``levers`` switched on (for measuring what each one buys)."""
    unknown = [lever for lever in levers if lever not in LEVERS]
    if unknown:
        raise ValueError(f"unknown levers {unknown}; known: {', '.join(LEVERS)}")
    return VaderScorer(replace(PLAIN_OPTIONS, thresholds=thresholds, **{lever: True for lever in levers}))
