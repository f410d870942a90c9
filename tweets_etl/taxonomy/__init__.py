"""The taxonomy: feedback types, aspects and spam heuristics, loaded from a YAML file analysts edit.

``load_taxonomy(path)`` reads and validates the file (``conf/taxonomy.yaml`` by default, see
``config.taxonomy_path``) and returns a frozen :class:`Taxonomy`. Every mistake (an unknown key, an
empty lexicon, a regex that does not compile, a duplicate id, a feedback type missing from the
priority list, one of :data:`REPORTED_FEEDBACK_TYPES` missing) is a
:class:`~tweets_etl.errors.ConfigError` that names the file, the key and the fix.

Analysts may rename, add or drop feedback types, with one exception: the marts and the dashboard count
and rank :data:`REPORTED_FEEDBACK_TYPES` by id, so those ids must stay (their names, descriptions, cues
and rules are free to change).

Matching (done natively in Spark by :mod:`tweets_etl.transforms.classify`) is on lowercased text:

- a *phrase* is one or more whole words (``at capacity``); ``*`` at the end of a word matches any
  ending (``hallucinat*``); words are separated by any whitespace; hashtags and mentions count as
  words (``#coding`` matches ``coding``); only an edge that is a letter, digit or ``_`` must be a
  word boundary, so an emoji or sign matches wherever it stands (``🔥`` in ``chatgpt🔥``);
- a *regex* is used as written (on lowercased text) and must mean the same to Java, which runs it,
  and Python, which checks it here: no ``(?P<name>`` groups, no backreferences (the regexes of a
  lexicon are merged into one, which renumbers groups), no ``(?#`` comments or ``(?(`` conditionals,
  ``{`` only as a repetition like ``{2,3}``, and no upper-case letters, which lowercased text never
  has. :func:`check_with_java` compiles every pattern with Java's own engine, for what Python cannot
  tell, before a run writes anything.

This package has no Spark import; the patterns :mod:`~tweets_etl.taxonomy.patterns` builds are plain
strings.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import yaml

from tweets_etl.errors import ConfigError, first_line
from tweets_etl.taxonomy.patterns import java_problem, lexicon_pattern, python_regex

SENTIMENT_VALUES = ("negative", "neutral", "positive", "unscored")
# The feedback type ids the warehouse's marts and the dashboard are built around; load_taxonomy refuses
# a file without one of them. The dashboard counts each per aspect, and colours them.
PRAISE, COMPLAINT, SUGGESTION, QUESTION = "praise", "complaint", "suggestion", "question"
REPORTED_FEEDBACK_TYPES = (PRAISE, COMPLAINT, SUGGESTION, QUESTION)
# Of those, the ones mart_top_feedback ranks example tweets of, and the dashboard shows as "Top ...".
TOP_FEEDBACK_TYPES = (COMPLAINT, SUGGESTION)
SPAM_REASONS = (
    "many_hashtags",
    "many_mentions",
    "link_only",
    "repeated_text",
    "promo_terms",
    "young_prolific_account",
)
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PHRASE = re.compile(r"^[^*\s]+\*?(?:\s+[^*\s]+\*?)*$")
# Texts on which a regex that can match zero characters (x*, ^, \b alone) shows it.
_EMPTY_PROBES = ("", "a", "ab cd", "0", ".", "#a @b")


def plural(type_id: str) -> str:
    """How the marts' comments and the dashboard name many tweets of a feedback type ("complaints"),
    and the key the dashboard's per-aspect counts use for it."""
    return f"{type_id}s"


@dataclass(frozen=True)
class Lexicon:
    """Phrases and regexes; :attr:`pattern` is one alternation of all of them (for ``rlike``)."""

    phrases: Tuple[str, ...]
    regexes: Tuple[str, ...]

    @property
    def pattern(self) -> str:
        return lexicon_pattern(self.phrases, self.regexes)


@dataclass(frozen=True)
class Condition:
    """All set fields must hold: cue words matched (or not), sentiment label in a set, an aspect or
    a link present (or not). None means "any"."""

    cues: Optional[bool] = None
    sentiment: Optional[Tuple[str, ...]] = None
    has_aspect: Optional[bool] = None
    has_link: Optional[bool] = None


@dataclass(frozen=True)
class FeedbackType:
    id: str
    name: str
    description: str
    cues: Optional[Lexicon]
    when: Tuple[Condition, ...]


@dataclass(frozen=True)
class Aspect:
    id: str
    name: str
    description: str
    lexicon: Lexicon


@dataclass(frozen=True)
class SpamRules:
    max_hashtags: int
    max_mentions: int
    repeated_text_min: int
    young_account_days: int
    young_account_min_tweets: int
    promo: Lexicon


@dataclass(frozen=True)
class Taxonomy:
    """Feedback types in display order, the order rules are tried in, aspects, and spam rules."""

    path: str
    feedback_types: Tuple[FeedbackType, ...]
    priority: Tuple[str, ...]
    aspects: Tuple[Aspect, ...]
    spam: SpamRules

    def feedback_type(self, type_id: str) -> FeedbackType:
        return next(item for item in self.feedback_types if item.id == type_id)

    @property
    def fallback(self) -> str:
        """The type a tweet gets when no rule matches (last in the priority list)."""
        return self.priority[-1]

    @property
    def any_aspect_pattern(self) -> str:
        return "|".join(aspect.lexicon.pattern for aspect in self.aspects)

    def lexicons(self) -> List[Tuple[str, Lexicon]]:
        """Every lexicon, in file order, with the key load_taxonomy names it by: each feedback type's
        cues, each aspect's lexicon, then spam.promo."""
        found = [
            (f"feedback_types.types[{index}] ({item.id})", item.cues)
            for index, item in enumerate(self.feedback_types)
            if item.cues
        ]
        found += [(f"aspects[{index}] ({item.id})", item.lexicon) for index, item in enumerate(self.aspects)]
        return [*found, ("spam.promo", self.spam.promo)]


def check_with_java(taxonomy: Taxonomy, spark: Any) -> None:
    """Compile every pattern of ``taxonomy`` with ``java.util.regex.Pattern``, the engine Spark's
    ``rlike`` runs, through ``spark``'s JVM: each regex on its own, then each lexicon's whole
    pattern. Raises a one-line ConfigError naming the file and key of the first Java refuses.

    Call it when a run starts, before anything is written: :func:`load_taxonomy` checks with Python's
    ``re`` and :func:`java_problem`, which cannot know every way Java's syntax differs
    (``(?a)``, for one, is a Python flag and a Java error)."""
    compile_in_java = spark._jvm.java.util.regex.Pattern.compile
    for key, lexicon in taxonomy.lexicons():
        for index, regex in enumerate(lexicon.regexes):
            reason = _java_refusal(compile_in_java, regex)
            if reason:
                raise ConfigError(
                    f"{taxonomy.path}: {key}.regexes[{index}] {regex!r} is not a valid Java regular "
                    f"expression ({reason}); fix or escape it"
                )
        reason = _java_refusal(compile_in_java, lexicon.pattern)
        if reason:
            raise ConfigError(
                f"{taxonomy.path}: {key} does not compile in Java once its phrases and regexes are "
                f"merged ({reason}); check its phrases"
            )


def _java_refusal(compile_in_java: Any, pattern: str) -> Optional[str]:
    """Java's one-line reason for refusing ``pattern`` ("Illegal repetition near index 1"), or None."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import IllegalArgumentException

    try:
        compile_in_java(pattern)
    except IllegalArgumentException as error:  # PySpark's translation of PatternSyntaxException
        return first_line(error.desc or "") or "refused"
    except Py4JJavaError as error:  # the same, where PySpark does not translate it
        java = error.java_exception
        if java.getClass().getName() != "java.util.regex.PatternSyntaxException":
            raise
        return f"{java.getDescription()} near index {java.getIndex()}"
    return None


def load_taxonomy(path: Union[str, Path]) -> Taxonomy:
    """Read and validate a taxonomy file; raises ConfigError naming the file, the key and the fix."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"taxonomy file {path} does not exist; set taxonomy_file or restore it") from None
    except IsADirectoryError:
        raise ConfigError(
            f"taxonomy file {path} is a directory; point taxonomy_file at the YAML file"
        ) from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"taxonomy file {path} line {line} is not UTF-8 text; save the file as UTF-8"
        ) from None
    except OSError as error:
        raise ConfigError(
            f"taxonomy file {path} cannot be read ({error.strerror}); fix its permissions"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"taxonomy file {path}{where} is not valid YAML; fix the syntax there") from None
    return _Reader(str(path)).taxonomy(raw)


class _Reader:
    """Walks the parsed YAML, turning each mistake into one sentence that names file and key."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key} {problem}")

    def taxonomy(self, raw: Any) -> Taxonomy:
        root = self.mapping(
            raw,
            "the file",
            ("version", "feedback_types", "aspects", "spam"),
            required=("feedback_types", "aspects", "spam"),
        )
        if root.get("version", 1) != 1:
            raise self.fail("version", f"is {root['version']!r}; this release reads version 1")
        types_section = self.mapping(
            root["feedback_types"], "feedback_types", ("priority", "types"), required=("priority", "types")
        )
        types = tuple(
            self.feedback_type(item, f"feedback_types.types[{index}]")
            for index, item in enumerate(self.sequence(types_section["types"], "feedback_types.types"))
        )
        self.unique([item.id for item in types], "feedback_types.types")
        self.reported_types(types)
        priority = self.priority(types_section["priority"], types)
        aspects = tuple(
            self.aspect(item, f"aspects[{index}]")
            for index, item in enumerate(self.sequence(root["aspects"], "aspects"))
        )
        self.unique([item.id for item in aspects], "aspects")
        if any(condition.has_aspect is not None for item in types for condition in item.when) and not aspects:
            raise self.fail(
                "aspects", "is empty, but a feedback rule uses has_aspect; add aspects or drop has_aspect"
            )
        return Taxonomy(self.path, types, priority, aspects, self.spam(root["spam"]))

    def feedback_type(self, raw: Any, key: str) -> FeedbackType:
        item = self.mapping(
            raw,
            key,
            ("id", "name", "description", "phrases", "regexes", "when"),
            required=("id", "name", "description"),
        )
        type_id = self.identifier(item["id"], f"{key}.id")
        key = f"{key} ({type_id})"
        cues = None
        if "phrases" in item or "regexes" in item:
            cues = self.lexicon(item, key)
        when = tuple(
            self.condition(condition, f"{key}.when[{index}]", has_cues=cues is not None)
            for index, condition in enumerate(
                self.sequence(item.get("when", []), f"{key}.when", allow_empty=True)
            )
        )
        return FeedbackType(
            type_id,
            self.text(item["name"], f"{key}.name"),
            self.text(item["description"], f"{key}.description"),
            cues,
            when,
        )

    def condition(self, raw: Any, key: str, *, has_cues: bool) -> Condition:
        item = self.mapping(raw, key, ("cues", "sentiment", "has_aspect", "has_link"))
        if not item:
            raise self.fail(key, "is empty; give at least one of cues, sentiment, has_aspect, has_link")
        for flag in ("cues", "has_aspect", "has_link"):
            if flag in item and not isinstance(item[flag], bool):
                raise self.fail(f"{key}.{flag}", f"is {item[flag]!r}; use true or false")
        if item.get("cues") is not None and not has_cues:
            raise self.fail(
                f"{key}.cues", "is set, but this type has no phrases or regexes; add some or drop cues"
            )
        sentiment = None
        if "sentiment" in item:
            values = self.sequence(item["sentiment"], f"{key}.sentiment")
            for value in values:
                if value not in SENTIMENT_VALUES:
                    raise self.fail(
                        f"{key}.sentiment", f"has {value!r}; use labels from: {', '.join(SENTIMENT_VALUES)}"
                    )
            sentiment = tuple(values)
        return Condition(item.get("cues"), sentiment, item.get("has_aspect"), item.get("has_link"))

    def reported_types(self, types: Sequence[FeedbackType]) -> None:
        known = {item.id for item in types}
        missing = [type_id for type_id in REPORTED_FEEDBACK_TYPES if type_id not in known]
        if missing:
            one = len(missing) == 1
            quoted = [repr(type_id) for type_id in missing]
            ids = quoted[0] if one else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
            raise self.fail(
                "feedback_types.types",
                f"is missing {ids}, which the dashboard and the marts are built around; keep "
                f"{'that id' if one else 'those ids'} and change {'its' if one else 'their'} name, "
                "description, cues and rules freely",
            )

    def priority(self, raw: Any, types: Sequence[FeedbackType]) -> Tuple[str, ...]:
        order = [
            self.identifier(value, "feedback_types.priority")
            for value in self.sequence(raw, "feedback_types.priority")
        ]
        self.unique(order, "feedback_types.priority")
        known = [item.id for item in types]
        for type_id in order:
            if type_id not in known:
                raise self.fail(
                    "feedback_types.priority", f"names {type_id!r}, which is not in feedback_types.types"
                )
        for type_id in known:
            if type_id not in order:
                raise self.fail(
                    "feedback_types.priority",
                    f"is missing {type_id!r}; list every feedback type once, in matching order",
                )
        by_id = {item.id: item for item in types}
        for type_id in order[:-1]:
            if not by_id[type_id].when:
                raise self.fail(
                    f"feedback_types.types ({type_id}).when",
                    "is empty; only the fallback type, last in priority, may have no rules",
                )
        if by_id[order[-1]].when:
            raise self.fail(
                f"feedback_types.types ({order[-1]}).when",
                "must be empty: the last type in priority is the fallback that catches every other tweet",
            )
        return tuple(order)

    def aspect(self, raw: Any, key: str) -> Aspect:
        item = self.mapping(
            raw,
            key,
            ("id", "name", "description", "phrases", "regexes"),
            required=("id", "name", "description"),
        )
        aspect_id = self.identifier(item["id"], f"{key}.id")
        key = f"{key} ({aspect_id})"
        return Aspect(
            aspect_id,
            self.text(item["name"], f"{key}.name"),
            self.text(item["description"], f"{key}.description"),
            self.lexicon(item, key),
        )

    def spam(self, raw: Any) -> SpamRules:
        names = (
            "max_hashtags",
            "max_mentions",
            "repeated_text_min",
            "young_account_days",
            "young_account_min_tweets",
        )
        item = self.mapping(raw, "spam", (*names, "promo"), required=(*names, "promo"))
        numbers = {}
        for name in names:
            value = item[name]
            minimum = 2 if name == "repeated_text_min" else 0
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise self.fail(f"spam.{name}", f"is {value!r}; use a whole number of at least {minimum}")
            numbers[name] = value
        promo = self.mapping(item["promo"], "spam.promo", ("phrases", "regexes"))
        return SpamRules(**numbers, promo=self.lexicon(promo, "spam.promo"))

    def lexicon(self, item: Mapping[str, Any], key: str) -> Lexicon:
        phrases = self.sequence(item.get("phrases", []), f"{key}.phrases", allow_empty=True)
        regexes = self.sequence(item.get("regexes", []), f"{key}.regexes", allow_empty=True)
        if not phrases and not regexes:
            raise self.fail(key, "has an empty lexicon; add at least one phrase or regex")
        for index, phrase in enumerate(phrases):
            if not isinstance(phrase, str) or not _PHRASE.match(phrase.strip()):
                raise self.fail(
                    f"{key}.phrases[{index}]",
                    f"is {phrase!r}; a phrase is words, with * only at the end of a word",
                )
        for index, regex in enumerate(regexes):
            self.regex(regex, f"{key}.regexes[{index}]")
        return Lexicon(tuple(phrase.strip().lower() for phrase in phrases), tuple(regexes))

    def regex(self, value: Any, key: str) -> None:
        if not isinstance(value, str) or not value:
            raise self.fail(key, f"is {value!r}; a regex must be non-empty text")
        if "(?P" in value:
            raise self.fail(
                key, f"{value!r} uses a Python-only (?P...) group; use a plain group (...) instead"
            )
        try:
            compiled = python_regex(value)
        except re.error as error:
            raise self.fail(
                key, f"{value!r} is not a valid regular expression ({error}); fix or escape it"
            ) from None
        problem = java_problem(value)
        if problem:
            raise self.fail(key, f"{value!r} {problem}")
        if any(match.end() == match.start() for probe in _EMPTY_PROBES for match in compiled.finditer(probe)):
            raise self.fail(
                key,
                f"{value!r} matches empty text (zero characters, as x* or \\b alone do), so it would match "
                "nearly every tweet; make it stricter",
            )

    def mapping(
        self, raw: Any, key: str, allowed: Sequence[str], required: Sequence[str] = ()
    ) -> Dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(key, f"must be a mapping with keys {', '.join(allowed)}")
        for name in raw:
            if name not in allowed:
                close = difflib.get_close_matches(str(name), allowed, n=1)
                hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(allowed)}"
                where = "" if key == "the file" else f" in {key}"
                raise ConfigError(f"{self.path}: unknown key {name!r}{where}; {hint}")
        for name in required:
            if name not in raw:
                where = "the top level" if key == "the file" else key
                raise ConfigError(f"{self.path}: {where} is missing {name!r}; add it")
        return raw

    def sequence(self, raw: Any, key: str, *, allow_empty: bool = False) -> List[Any]:
        if raw is None and allow_empty:
            return []
        if not isinstance(raw, list):
            raise self.fail(key, f"must be a list, not {type(raw).__name__}")
        if not raw and not allow_empty:
            raise self.fail(key, "is empty; add at least one entry")
        return raw

    def identifier(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            raise self.fail(key, f"is {value!r}; ids are snake_case: lowercase letters, digits and _")
        return value

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be non-empty text")
        return value.strip()

    def unique(self, ids: Sequence[str], key: str) -> None:
        seen = set()
        for value in ids:
            if value in seen:
                raise self.fail(key, f"has the id {value!r} twice; ids must be unique")
            seen.add(value)
