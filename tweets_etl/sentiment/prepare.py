"""Text preparation for sentiment, in two layers.

1. :func:`prepare_text`, the tweet normalisation tweet sentiment models are trained on (TweetEval,
   cardiffnlp): whitespace collapsed, every mention becomes ``@user`` and every link ``http``. Spark
   runs the very same regular expressions natively (:data:`SPARK_STEPS`) before it picks the distinct
   texts to score, so replies that differ only in whom they mention are scored once. The patterns are
   written in the subset of regex syntax that Java and Python read identically (explicit character
   classes, no ``\\s``, whose meaning differs between the two).
2. The tweet-aware steps the VADER scorer adds (:func:`decode_artifacts`, :func:`normalize_quotes`,
   :func:`split_hashtags`, :func:`squeeze_elongations`, :func:`mark_prepositional_like`,
   :func:`uncensor`, :func:`strip_emoji_modifiers`, :func:`spacing_table` for emoji and
   :func:`space_out` for emoticons): VADER reads whitespace-separated words against a lexicon, so
   these turn ``#GameChanger``, ``soooo goooood``, ``great:)`` and ``don’t`` into words it knows.

:func:`prepare_text` is idempotent: preparing prepared text changes nothing.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from typing import Callable, Dict, Iterable, List, Optional, Pattern, Tuple

MENTION_TOKEN = "@user"
LINK_TOKEN = "http"

# Python's \s on str, spelled out so Java (whose \s is ASCII-only) matches exactly the same characters.
_SPACE_CHARS = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
WHITESPACE_PATTERN = f"[{_SPACE_CHARS}]+"
# After whitespace is collapsed to single spaces, a token is a run of non-spaces. The tweet models'
# convention is per token: one that starts with "@" (and has more) is a mention, one that starts with
# "http" is a link; trailing punctuation goes with it. A URL glued to text (">>http://t.co/x") is a
# link too, or its "://" would read as an emoticon.
MENTION_PATTERN = "(?<![^ ])@[^ ]+"
LINK_PATTERN = "(?<![^ ])http[^ ]*|https?://[^ ]+"

# (pattern, replacement) in order; Spark applies the same list with regexp_replace, then trims spaces.
SPARK_STEPS: Tuple[Tuple[str, str], ...] = (
    (WHITESPACE_PATTERN, " "),
    (MENTION_PATTERN, MENTION_TOKEN),
    (LINK_PATTERN, LINK_TOKEN),
)
_COMPILED_STEPS = tuple((re.compile(pattern), replacement) for pattern, replacement in SPARK_STEPS)


def prepare_text(text: str) -> str:
    """Collapse whitespace, mentions -> ``@user``, links -> ``http``, trim. ``""`` stays ``""``."""
    for pattern, replacement in _COMPILED_STEPS:
        text = pattern.sub(replacement, text)
    return text.strip(" ")


_PLACEHOLDERS = re.compile(r"(?<![^ ])(?:@user|http)(?![^ ])")
# Eyes, an optional nose, a mouth; or a heart. Letters-only faces (xD) already count as letters.
_EMOTICON_SHAPE = re.compile(r"[:;=8][-o'^]?[()\[\]{}DPpOo3/\\|*@$]+|</?3+")


def looks_like_emoticon(token: str) -> bool:
    """True for a token shaped like an emoticon (``:)``, ``;-(``, ``<3``)."""
    return _EMOTICON_SHAPE.fullmatch(token) is not None


def has_content(prepared: str, is_emoticon: Callable[[str], bool] = looks_like_emoticon) -> bool:
    """True when prepared text holds something to score besides the ``@user``/``http`` placeholders:
    a letter or digit, an emoji or other symbol, or a token ``is_emoticon`` recognises."""
    rest = _PLACEHOLDERS.sub(" ", prepared)
    if any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in rest):
        return True
    return any(is_emoticon(token) for token in rest.split())


# --- tweet-aware steps for lexicon scorers ------------------------------------------------------------

_LITERAL_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def decode_artifacts(text: str) -> str:
    """Undo encoding left in exported tweets: HTML entities (``&amp;``) and literal ``\\u2019`` escapes."""
    if "&" in text:
        text = html.unescape(text)
    if "\\u" in text:
        text = _LITERAL_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)
    return text


# The one-character ellipsis too: VADER strips "..." off a word ("not..." is the negation "not"), but
# not "…", so "Not… great" was not negated and "great…" was not a word it knows.
_QUOTES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"', "\u2026": "..."}
)


def normalize_quotes(text: str) -> str:
    """Typographic apostrophes, quotes and the ellipsis to ASCII, so ``don’t`` reads as the negation
    ``don't`` and ``not…`` as ``not...``."""
    return text.translate(_QUOTES)


_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
# Boundaries inside a hashtag: lower->Upper (GameChanger), ACRONYM->Word (GPTModel), letter<->digit.
_CAMEL_BOUNDARY = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])"
)


def split_hashtags(text: str) -> str:
    """``#GameChanger`` -> ``Game Changer``, ``#sad`` -> ``sad``: hashtags carry words VADER knows."""
    return _HASHTAG.sub(lambda match: _CAMEL_BOUNDARY.sub(" ", match.group(1).replace("_", " ")), text)


_ELONGATED_WORD = re.compile(r"\b\w*([A-Za-z])\1{2,}\w*\b")
_RUN = re.compile(r"([A-Za-z])\1{2,}")
_MAX_RUNS = 4


def squeeze_elongations(text: str, is_known: Callable[[str], bool]) -> str:
    """``soooo goooood`` -> ``so good``: each run of 3+ equal letters becomes 2 or 1 letters, choosing the
    first spelling ``is_known`` accepts (fewest changes first), else all runs squeezed to one letter."""
    return _ELONGATED_WORD.sub(lambda match: _best_spelling(match.group(0), is_known), text)


def _best_spelling(word: str, is_known: Callable[[str], bool]) -> str:
    runs = list(_RUN.finditer(word))[:_MAX_RUNS]
    for lengths in itertools.product((2, 1), repeat=len(runs)):
        candidate = _rebuild(word, runs, lengths)
        if is_known(candidate.lower()):
            return candidate
    return _rebuild(word, runs, (1,) * len(runs))


def _rebuild(word: str, runs: List[re.Match], lengths: Iterable[int]) -> str:
    parts, last = [], 0
    for run, length in zip(runs, lengths):
        parts.append(word[last : run.start()])
        parts.append(run.group(1) * length)
        last = run.end()
    parts.append(word[last:])
    return "".join(parts)


# "like" is VADER's most frequent positive word in tweets, but mostly as a preposition or filler
# ("looks like", "like 5 hours"). It is a verb, and positive, right after a subject, an auxiliary or a
# degree adverb; anywhere else it is replaced by a token outside the lexicon.
_LIKE_VERB_AFTER = frozenset(
    [
        "i",
        "you",
        "we",
        "they",
        "u",
        "ya",
        "y'all",
        "people",
        "who",
        "would",
        "i'd",
        "you'd",
        "we'd",
        "they'd",
        "do",
        "does",
        "did",
        "to",
        "really",
        "actually",
        "totally",
        "also",
        "still",
        "always",
        "genuinely",
        "kinda",
    ]
)
# After a negation the verb must stay, or VADER has nothing to negate ("I don't like it" is negative).
# Negated auxiliaries always precede a verb. A bare "not"/"never" does only after a subject, an
# auxiliary or a modal ("I do not like", "you may never like"); after a copula or alone it is still a
# comparison ("it's not like it matters", "never like this"). Both lists are words of VADER's NEGATE;
# its negated copulas ("isn't like that") and pronouns ("looks nothing like") are left out.
_NEGATED_AUXILIARIES = frozenset(
    [
        "don't",
        "dont",
        "doesn't",
        "doesnt",
        "didn't",
        "didnt",
        "won't",
        "wont",
        "wouldn't",
        "wouldnt",
        "can't",
        "cant",
        "cannot",
        "couldn't",
        "couldnt",
        "shouldn't",
        "shouldnt",
        "mightn't",
        "mightnt",
        "mustn't",
        "mustnt",
        "needn't",
        "neednt",
        "shan't",
        "shant",
        "daren't",
        "darent",
        "oughtn't",
        "oughtnt",
    ]
)
_BARE_NEGATIONS = frozenset(["not", "never", "rarely", "seldom"])
_MODALS = frozenset(["will", "can", "could", "should", "may", "might", "must", "shall"])
# A verb follows a subject pronoun, a modal or an auxiliary however many adverbs and negations stand
# between ("I just like it", "you might like it", "I do not really like it"). Only these: "people
# just like you" and "it's just like a search engine" compare.
_VERB_COMES_AFTER = (
    frozenset(["i", "you", "we", "they", "u", "ya", "y'all", "who", "to", "would", "do", "does", "did"])
    | frozenset(["i'd", "you'd", "we'd", "they'd", "i'll", "you'll", "we'll", "they'll"])
    | _MODALS
    | _NEGATED_AUXILIARIES
)
_BETWEEN_SUBJECT_AND_VERB = (
    _BARE_NEGATIONS
    | frozenset(["really", "actually", "totally", "also", "still", "always", "genuinely", "kinda"])
    | frozenset(["just", "only", "even", "truly", "honestly", "definitely", "absolutely", "sometimes"])
    | frozenset(["usually", "probably", "seriously", "literally", "all", "both"])
)
_LIKE = re.compile(r"(?<![\w'])like(?![\w'])", re.IGNORECASE)
# The subject and up to three words between it and "like".
_PREVIOUS_WORDS = re.compile(r"(?:[\w']+ +){1,4}$")
NOT_A_VERB_LIKE_TOKEN = "like_as"


def mark_prepositional_like(text: str) -> str:
    """``looks like rain`` -> ``looks like_as rain``; ``I like it``, ``I just like it``, ``I do not like
    it`` stay (VADER scores the verb, and negates it)."""

    def replace(match: re.Match) -> str:
        previous = _PREVIOUS_WORDS.search(text, 0, match.start())
        is_verb = previous is not None and _verb_follows(previous.group(0).lower().split()[::-1])
        return match.group(0) if is_verb else NOT_A_VERB_LIKE_TOKEN

    return _LIKE.sub(replace, text)


def _verb_follows(words: List[str]) -> bool:
    """Whether "like" is a verb after ``words``, the lowercased words before it, nearest first."""
    if words[0] in _LIKE_VERB_AFTER:
        return True
    for word in words:
        if word in _VERB_COMES_AFTER:
            return True
        if word not in _BETWEEN_SUBJECT_AND_VERB:
            return False
    return False


_CENSORED = re.compile(r"(?<![\w*])([A-Za-z]+)([*#@$]+)([A-Za-z]*)(?![\w*])")


def uncensor(text: str, words: Iterable[str]) -> str:
    """``f***``, ``sh*t``, ``F***ing`` -> the word in ``words`` they spell (same length, same letters
    where shown), so censored profanity weighs like the word itself.

    The case shown is kept, since VADER emphasises ALL-CAPS words: ``SH*T`` -> ``SHIT`` (two or more
    letters shown, all capitals), ``F***ing`` or ``F***`` -> ``Fucking``/``Fuck`` (one capital is the
    start of a sentence or a name more often than a shout), anything else lower case."""
    vocabulary = tuple(words)

    def restore(match: re.Match) -> str:
        head, stars, tail = match.group(1), match.group(2), match.group(3)
        pattern = re.compile(re.escape(head.lower()) + "[a-z]" * len(stars) + re.escape(tail.lower()))
        found = next((word for word in vocabulary if pattern.fullmatch(word)), None)
        if found is None:
            return match.group(0)
        shown = head + tail
        if len(shown) > 1 and shown.isupper():
            return found.upper()
        return found.capitalize() if head[0].isupper() else found

    return _CENSORED.sub(restore, text)


# Variation selectors, skin tones and joiners change how an emoji looks, not what it says.
_EMOJI_MODIFIERS = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")


def strip_emoji_modifiers(text: str) -> str:
    """Drop variation selectors, skin tones and zero-width joiners."""
    return _EMOJI_MODIFIERS.sub("", text)


def token_pattern(items: Iterable[str], *, before: str = "", after: str = "") -> Optional[Pattern[str]]:
    """One compiled alternation of literal ``items``, longest first (``:-))`` wins over ``:-)``).

    A lookahead on the possible first characters lets the regex engine skip most positions without
    trying every alternative (a 4x speed-up on tweets)."""
    ordered = sorted(set(items), key=len, reverse=True)
    if not ordered:
        return None
    first = "".join(sorted({re.escape(item[0]) for item in ordered}))
    body = "|".join(re.escape(item) for item in ordered)
    return re.compile(f"{before}(?=[{first}])(?:{body}){after}")


def emoticon_pattern(emoticons: Iterable[str]) -> Optional[Pattern[str]]:
    """Emoticons glued to text that can still be told apart from it.

    Only emoticons that start with eyes (``:`` ``;`` ``=``) or a heart (``<3``) count, and only where
    they cannot be part of a number, a word or a link: not after a digit (``9:30``), not before a letter,
    digit or slash. Mirror-image emoticons (``):``, ``(:``) are too easily a bracket before a colon
    (``(ANI):``); VADER still reads them when they stand alone.
    """
    glued = [item for item in emoticons if item[:1] in ":;=" or item.startswith(("<3", "</3"))]
    return token_pattern(glued, before="(?<![0-9])", after="(?![A-Za-z0-9/])")


def space_out(text: str, pattern: Optional[Pattern[str]]) -> str:
    """Put spaces around every match, so emoticons glued to words (``great:)``) are tokens."""
    return pattern.sub(r" \g<0> ", text) if pattern is not None else text


def spacing_table(symbols: Iterable[str]) -> Dict[int, str]:
    """A ``str.translate`` table that puts spaces around each single-character symbol (emoji): a
    C-speed pass, where a regex over astral-plane characters costs ~25 us a tweet."""
    return {ord(symbol): f" {symbol} " for symbol in symbols if len(symbol) == 1}
