"""VADER whose negation and boosters stop at the end of a sentence.

Stock VADER looks up to three words back for a negation or a booster, across sentence ends: in
"It doesn't. This is hallucinating again." the "doesn't" flips "hallucinating" to positive. This
analyzer reads each sentence on its own for those word-level rules, then combines the valences
exactly as VADER does for the whole text ("but" weighting, punctuation emphasis, normalisation).
A text with a single sentence gets VADER's own result, unchanged. What VADER decides about the text
as a whole stays whole: ALL-CAPS words are emphasised only when the text mixes them with other words,
so a shouted sentence followed by a calm one keeps its emphasis.

Imported only by :mod:`tweets_etl.sentiment.vader`, so vaderSentiment stays optional elsewhere.
It relies on VADER's documented scoring steps (``sentiment_valence``, ``_but_check``,
``score_valence``), stable across the 3.3 releases setup.py allows.
"""

from __future__ import annotations

import re
from typing import Dict, List

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    SentimentIntensityAnalyzer,
    SentiText,
    allcap_differential,
)

# A sentence ends at . ! ? ; followed by a space, or at a line break. Two or more dots are a pause, not an
# end: "not... great" keeps its negation, as in stock VADER.
SENTENCE_END = re.compile(r"(?<=[!?;])\s+|(?<=[^.]\.)\s+|\s*\n\s*")


class SentenceScopedAnalyzer(SentimentIntensityAnalyzer):
    """Drop-in replacement for VADER's analyzer (same lexicon handling, same output keys)."""

    def polarity_scores(self, text: str) -> Dict[str, float]:
        sentences = [sentence for sentence in SENTENCE_END.split(text) if sentence.strip()]
        if len(sentences) < 2:
            return super().polarity_scores(text)
        sentences = [self._emoji_to_words(sentence) for sentence in sentences]
        senti_texts = [SentiText(sentence) for sentence in sentences]
        words: List[str] = [word for senti_text in senti_texts for word in senti_text.words_and_emoticons]
        # Caps emphasis depends on the whole text ("I LOVE IT! thanks" mixes caps with other words).
        is_cap_diff = allcap_differential(words)
        valences: List[float] = []
        for senti_text in senti_texts:
            senti_text.is_cap_diff = is_cap_diff
            valences.extend(self._sentence_valences(senti_text))
        valences = self._but_check(words, valences)
        return self.score_valence(valences, " ".join(sentences))

    def _sentence_valences(self, senti_text: SentiText) -> List[float]:
        """One valence per word of one sentence, by VADER's word-level rules."""
        words = senti_text.words_and_emoticons
        valences: List[float] = []
        for position, word in enumerate(words):
            lowered = word.lower()
            next_word = words[position + 1].lower() if position + 1 < len(words) else ""
            # Boosters and "kind of" modify their neighbours and carry no valence of their own.
            if lowered in BOOSTER_DICT or (lowered == "kind" and next_word == "of"):
                valences.append(0.0)
                continue
            valences = self.sentiment_valence(0.0, senti_text, word, position, valences)
        return valences

    def _emoji_to_words(self, text: str) -> str:
        """VADER's own first step: each emoji it knows becomes its name, as separate words."""
        return "".join(
            character if character not in self.emojis else f" {self.emojis[character]} " for character in text
        )
