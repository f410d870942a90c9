"""The regex dialect of taxonomy lexicons: phrases and regexes as one pattern that Java (which runs
it, in Spark's ``rlike``) and Python (which checks it) read alike, and what Java would read otherwise.

Plain strings in, plain strings out: no Spark import, no taxonomy file.
"""

from __future__ import annotations

import re
import string
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

# Word characters of lowercased text, spelled out so Java and Python agree on word boundaries.
_WORD = "a-z0-9_"
# What a regex starts with to match only at the start of a word; shared in a lexicon's pattern.
_BEFORE_WORD = f"(?<![{_WORD}])"
# What a phrase ending in a word character (or a * ending) ends with: no word character follows.
_AFTER_WORD = f"(?![{_WORD}])"
# A brace Java reads as a repetition; any other unescaped { outside [...] is a Java syntax error.
_REPETITION = re.compile(r"\{\d+(?:,\d*)?\}")
# Java's \p{L}, \P{IsAlphabetic}, \pL: Python's re has no such classes, so it checks \w in their place.
_UNICODE_CLASS = re.compile(r"(?<!\\)\\[pP](?:\{[^}]*\}|[a-zA-Z])")


def lexicon_pattern(phrases: Sequence[str], regexes: Sequence[str]) -> str:
    """Phrases and regexes as one alternation (for ``rlike``), each phrase a whole-word match."""
    # Everything that must begin at a word start (most phrases, and the regexes written to start
    # with the word-boundary lookbehind) shares one lookbehind, tested once per character: the
    # rest is tried only where a word starts, not at every character. Phrases are grouped by which
    # of their edges are word characters (none of an emoji's is), each group behind a check of its
    # first characters.
    groups: Dict[Tuple[bool, bool], List[str]] = {}
    for phrase in phrases:
        groups.setdefault(_word_edges(phrase), []).append(phrase)
    at_word_start: List[str] = []
    anywhere: List[str] = []
    for (starts_word, ends_word), group in sorted(groups.items(), reverse=True):
        (at_word_start if starts_word else anywhere).append(_phrase_group(group, ends_word))
    for regex in regexes:
        rest = _after_word_start(regex)
        if rest is None:
            anywhere.append(f"(?:{regex})")
        else:
            at_word_start.append(f"(?:{rest})")
    if len(at_word_start) == 1:
        anywhere.insert(0, _BEFORE_WORD + at_word_start[0])
    elif at_word_start:
        anywhere.insert(0, f"{_BEFORE_WORD}(?:{'|'.join(at_word_start)})")
    return "|".join(anywhere)


def python_regex(regex: str) -> re.Pattern[str]:
    """``regex`` as Python's ``re`` compiles it, with Java's Unicode classes read as ``\\w``: what
    load_taxonomy checks a regex with. Raises ``re.error`` when it does not compile."""
    return re.compile(_UNICODE_CLASS.sub(r"\\w", regex))


def _word_edges(phrase: str) -> Tuple[bool, bool]:
    """Whether the phrase starts and ends with a word character (a letter, digit or _, or a * ending):
    only such an edge needs a word boundary. An emoji or a sign is matched wherever it stands:
    "🔥" in "chatgpt🔥", "c++" in "c++17"."""
    return _is_word_char(phrase[0]), phrase.endswith("*") or _is_word_char(phrase[-1])


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _phrase_group(phrases: Sequence[str], ends_word: bool) -> str:
    """Phrases as one alternation behind a check of their first characters (a character class alone
    when each is one character, as emoji are), with the word-end lookahead when ``ends_word``."""
    if all(len(phrase) == 1 for phrase in phrases):
        body = f"[{''.join(sorted({_escape(phrase) for phrase in phrases}))}]"
    else:
        first = "".join(sorted({_escape(phrase[0]) for phrase in phrases}))
        body = f"(?=[{first}])(?:{'|'.join(phrase_body(phrase) for phrase in phrases)})"
    return body + (_AFTER_WORD if ends_word else "")


def _after_word_start(regex: str) -> Optional[str]:
    """What follows the word-start lookbehind a regex begins with, when the lookbehind applies to all
    of the regex (no | outside parentheses) and may be shared; else None."""
    if not regex.startswith(_BEFORE_WORD):
        return None
    rest = regex[len(_BEFORE_WORD) :]
    if not rest or rest[0] in "*+?{" or any(token == "|" and depth == 0 for token, depth in _top_level(rest)):
        return None
    return rest


def _top_level(regex: str) -> Iterator[Tuple[str, int]]:
    """The regex's tokens outside [...] classes, each with its depth in parentheses."""
    depth = 0
    for _, token, in_class in _tokens(regex):
        if in_class:
            continue
        depth -= token == ")"
        yield token, depth
        depth += token == "("


def _tokens(regex: str) -> Iterator[Tuple[int, str, bool]]:
    """(position, token, inside a [...] class) for each token of a regex: an escape sequence or one
    character. The ^ and a leading ] that open a class are part of its [ token."""
    index, in_class = 0, False
    while index < len(regex):
        if regex[index] == "\\":
            length = _escape_length(regex, index)
        elif not in_class and regex[index] == "[":
            # A ] first in a class (after an optional ^) is a literal ], in Java and Python alike.
            length = 1 + regex.startswith("^", index + 1)
            length += regex.startswith("]", index + length)
        else:
            length = 1
        token = regex[index : index + length]
        yield index, token, in_class
        in_class = token != "]" if in_class else token.startswith("[")
        index += length


def phrase_body(phrase: str) -> str:
    """The words of a phrase, punctuation escaped, ``*`` as any word ending, without the boundaries."""
    words = []
    for word in phrase.lower().split():
        stem, wildcard = (word[:-1], True) if word.endswith("*") else (word, False)
        escaped = "".join(_escape(char) for char in stem)
        words.append(escaped + (f"[{_WORD}]*" if wildcard else ""))
    return r"\s+".join(words)


def _escape(char: str) -> str:
    """Backslash before ASCII punctuation only: Java rejects a backslash before a letter."""
    return f"\\{char}" if char in string.punctuation else char


def java_problem(regex: str) -> Optional[str]:
    """Why a regex Python compiles would fail in Java, mean something else there, or never match
    lowercased text once merged into its lexicon's alternation; None when there is no such reason."""
    for index, token, in_class in _tokens(regex):
        if (token[:1] == "\\" and token[1:2].isdigit() and token[1:2] != "0") or (
            token == "\\k" and regex.startswith("<", index + 2)
        ):
            return (
                f"uses the backreference {token}; the regexes of a lexicon are merged into one, "
                "which renumbers groups, so write the repeated text out"
            )
        if token[:1] != "\\" and token.isupper():
            return (
                f"has the upper-case letter {token!r}, but tweets are matched lowercased, so it can never "
                "match; write it in lower case"
            )
        if in_class:
            continue
        if regex.startswith("(?#", index):
            return "uses a (?#...) comment, which Java does not know; delete the comment"
        if regex.startswith("(?(", index):
            return "uses a (?(...)...) conditional, which Java does not know; write the alternatives out"
        if token == "{" and not _REPETITION.match(regex, index):
            return "has a { that is not a repetition like {2} or {1,3}, which Java refuses; write \\{ for a brace"
    return None


def _escape_length(regex: str, index: int) -> int:
    """Characters taken by the escape starting at ``regex[index]`` (a backslash), so that the letters
    of ``\\S``, ``\\p{Lu}``, ``\\x4A``, ``\\u00C9`` or ``\\N{NAME}`` are not read as upper-case text."""
    following = regex[index + 1 : index + 2]
    if following in ("p", "P", "N", "x") and regex.startswith("{", index + 2):
        close = regex.find("}", index + 2)
        return (close if close >= 0 else len(regex)) - index + 1
    return 2 + {"p": 1, "P": 1, "x": 2, "u": 4, "c": 1}.get(following, 0)
