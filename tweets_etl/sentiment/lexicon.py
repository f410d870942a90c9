"""Words VADER's general lexicon lacks or misreads in tweets about ChatGPT, and emoji valences.

Valences use VADER's scale (-4 most negative .. +4 most positive; ``terrible`` is -2.5, ``great``
+3.1). Entries are kept to terms whose polarity does not depend on the topic of one tweet; a term
that can go either way (``made up``, ``crazy``) stays out. Multi-word phrases are matched
case-insensitively on whole words and scored as one token, so VADER's negation still applies
("not a game changer" is negative).
"""

from __future__ import annotations

from typing import Dict

DOMAIN_TERMS: Dict[str, float] = {
    # Accuracy: a model inventing facts is the most common failure people report.
    "hallucinate": -1.5,
    "hallucinates": -1.5,
    "hallucinating": -1.5,
    "hallucinated": -1.5,
    "hallucination": -1.5,
    "hallucinations": -1.5,
    "confidently wrong": -2.2,
    "gaslighting": -2.0,
    "gaslit": -2.0,
    # Availability and speed.
    "at capacity": -2.0,
    "down again": -2.2,
    "outage": -2.0,
    "outages": -2.0,
    "overloaded": -1.8,
    "network error": -2.0,
    "too many requests": -1.8,
    "not working": -1.8,
    "stopped working": -2.0,
    "doesn't work": -1.8,
    "does not work": -1.8,
    "unusable": -2.5,
    "buggy": -1.8,
    "glitchy": -1.5,
    "laggy": -1.5,
    "too slow": -1.8,
    # Product changes and pricing.
    "nerfed": -2.0,
    "lobotomized": -2.2,
    "paywall": -1.2,
    "paywalled": -1.2,
    "overpriced": -2.0,
    # Integrity. A jailbreak is a safety failure, though people share them with glee: kept mild.
    "plagiarism": -2.0,
    "plagiarize": -2.0,
    "plagiarized": -2.0,
    "jailbreak": -0.6,
    "jailbroken": -0.6,
    # Praise idioms VADER cannot see (no lexicon word, or a negative word used as praise).
    "game changer": 2.5,
    "game-changer": 2.5,
    "gamechanger": 2.5,
    "game changing": 2.5,
    "game-changing": 2.5,
    "mind blowing": 2.5,
    "mind-blowing": 2.5,
    "mindblowing": 2.5,
    "mind blown": 2.3,
    "blown away": 2.3,
    "life saver": 2.5,
    "life-saver": 2.5,
    "time saver": 2.0,
    "next level": 1.8,
    "nailed it": 2.3,
    "killer app": 2.0,
    "killer feature": 2.0,
}

# Emoji by how people use them on Twitter (signs follow Kralj Novak et al. 2015, "Sentiment of
# Emojis"; magnitudes set against comparable words). Emoji not listed keep VADER's own treatment
# (their CLDR name, e.g. "thinking face", scored as words).
EMOJI_VALENCES: Dict[str, float] = {
    # joy and laughter (laughter is often at a failure, so it is kept mild)
    "😂": 1.0,
    "🤣": 1.2,
    "😆": 1.8,
    "😀": 2.0,
    "😃": 2.0,
    "😄": 2.0,
    "😁": 2.0,
    "😊": 2.0,
    "🙂": 1.0,
    "😉": 1.2,
    "😅": 0.5,
    "🤓": 1.0,
    "😇": 2.0,
    "🤗": 2.0,
    # love and admiration
    "😍": 3.0,
    "🥰": 3.0,
    "😘": 2.3,
    "🤩": 2.8,
    "❤": 2.8,
    "💕": 2.5,
    "💖": 2.5,
    "💗": 2.5,
    "💙": 2.5,
    "💚": 2.5,
    "💛": 2.5,
    "💜": 2.5,
    "🧡": 2.5,
    # approval and celebration
    "👍": 1.8,
    "👏": 2.0,
    "🙌": 2.0,
    "👌": 1.8,
    "💪": 1.8,
    "🙏": 1.5,
    "🔥": 1.8,
    "💯": 2.0,
    "🚀": 1.5,
    "🤯": 1.0,
    "😎": 1.8,
    "✨": 1.2,
    "🎉": 2.3,
    "🥳": 2.5,
    "🏆": 2.0,
    "🌟": 1.8,
    "⭐": 1.5,
    # sadness and disappointment
    "😢": -2.2,
    "😭": -1.0,
    "😞": -2.0,
    "😔": -1.8,
    "😟": -1.8,
    "😕": -1.2,
    "🙁": -1.5,
    "☹": -1.8,
    "💔": -2.5,
    "😩": -2.0,
    "😫": -2.0,
    "😖": -2.0,
    "😣": -1.8,
    "😓": -1.5,
    # anger, contempt and exasperation
    "😠": -2.5,
    "😡": -2.8,
    "🤬": -3.0,
    "😤": -2.0,
    "😒": -1.8,
    "🙄": -1.5,
    "🤦": -1.8,
    "👎": -2.0,
    "🤡": -1.5,
    "😑": -1.0,
    # fear and disgust
    "😱": -1.5,
    "😨": -2.0,
    "😰": -2.0,
    "😬": -0.8,
    "🤢": -2.3,
    "🤮": -2.5,
}

# Words people censor with asterisks (``f***``, ``sh*t``); prepare.uncensor restores them so they
# weigh as VADER's lexicon (or its booster list, for ``fucking``) says.
PROFANITY = (
    "fuck",
    "fucking",
    "fucked",
    "fucker",
    "shit",
    "shitty",
    "bullshit",
    "bitch",
    "ass",
    "asshole",
    "damn",
    "crap",
    "hell",
    "piss",
    "pissed",
)
