"""Feedback type, aspects and spam flags for tweets, from the taxonomy, in native Spark (no UDF).

Every rule in :class:`~tweets_etl.taxonomy.Taxonomy` becomes an ``rlike`` over one lowercased copy
of the text (links removed, so a URL's ``?`` or path words match nothing) with each lexicon compiled
into one alternation, and ``when`` chains over those matches. Grain never changes: one output row
per input row, nothing filtered out; spam is a flag, never a deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Dict, List, Mapping, Optional, Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from tweets_etl.taxonomy import Condition, FeedbackType, Taxonomy

_LINK = r"https?://[^\s]+"
_MENTION = r"@[A-Za-z0-9_]+"
_HASHTAG = r"#[^\s#]+"
# What the spam rules read besides the text.
SPAM_INPUT_COLUMNS = (
    "hashtags",
    "mentions",
    "author_id",
    "created_at",
    "author_created_at",
    "author_tweet_count",
)


_TEXT = "_classify_text"
# Apostrophes as phones and keyboards type them (’ ‘ ʼ ‛ ＇ ´ ` ′), read as the ' the taxonomy is
# written with: "doesn’t work" is a cue as "doesn't work" is.
_APOSTROPHES = "\u2019\u2018\u02bc\u201b\uff07\u00b4\u0060\u2032"
# Spaces Java's \s does not know (no-break, narrow, thin, hair, ideographic, line separators): read as
# a space, so that "at\u00a0capacity" matches the phrase "at capacity" as it does in Python.
_SPACES = "\u00a0\u202f\u205f\u3000\u1680\u0085\u2028\u2029" + "".join(map(chr, range(0x2000, 0x200B)))


def _with_classify_text(df: DataFrame, text_col: str) -> DataFrame:
    """The classify text as a column of its own, computed once rather than inside every pattern."""
    return df.select("*", classify_text(F.col(text_col)).alias(_TEXT))


def classify_text(text: Column) -> Column:
    """Lowercased text without links, with every apostrophe a straight ``'`` and every space one Java
    knows, never null: what every taxonomy pattern is matched against."""
    # Spaces first: a link ends at the first space, a no-break one too.
    lowered = F.translate(
        F.lower(F.coalesce(text, F.lit(""))),
        _APOSTROPHES + _SPACES,
        "'" * len(_APOSTROPHES) + " " * len(_SPACES),
    )
    return F.regexp_replace(lowered, _LINK, " ")


def with_feedback_type(df: DataFrame, *, taxonomy: Taxonomy, text_col: str = "text") -> DataFrame:
    """Add ``feedback_type string`` (never null): the first type in ``taxonomy.priority`` whose rule
    matches, else the fallback. Needs ``sentiment_label`` (run :func:`with_sentiment` first) when a
    rule uses sentiment, and reads ``urls`` for ``has_link`` when the column is there."""
    if uses_sentiment(taxonomy) and "sentiment_label" not in df.columns:
        raise ValueError("with_feedback_type needs a sentiment_label column: apply with_sentiment first")
    with_text = _with_classify_text(df, text_col)
    text = F.col(_TEXT)
    feedback_type = feedback_type_column(
        taxonomy,
        cues=cue_columns(text, taxonomy),
        sentiment_label=F.col("sentiment_label") if uses_sentiment(taxonomy) else None,
        has_aspect=text.rlike(taxonomy.any_aspect_pattern) if taxonomy.aspects else F.lit(False),
        has_link=has_link(df, link_in_text(F.col(text_col))),
    )
    return with_text.select(*[F.col(name) for name in df.columns], feedback_type.alias("feedback_type"))


def with_aspects(df: DataFrame, *, taxonomy: Taxonomy, text_col: str = "text") -> DataFrame:
    """Add ``aspects array<string>``: the ids of every aspect the text mentions, in taxonomy order;
    an empty array (never null) when none does or there is no text."""
    with_text = _with_classify_text(df, text_col)
    aspects = aspects_column(F.col(_TEXT), taxonomy)
    return with_text.select(*[F.col(name) for name in df.columns], aspects.alias("aspects"))


def with_spam_flags(df: DataFrame, *, taxonomy: Taxonomy, text_col: str = "text") -> DataFrame:
    """Add ``spam_reasons array<string>`` (ids from :data:`tweets_etl.taxonomy.SPAM_REASONS`, empty
    when clean) and ``is_spam boolean`` (true when any reason applies). Needs ``hashtags``,
    ``mentions``, ``author_id``, ``created_at``, ``author_created_at`` and ``author_tweet_count``;
    ``repeated_text`` counts the copies in this DataFrame on the tweet's UTC day."""
    _require(df, SPAM_INPUT_COLUMNS)
    with_text = _with_classify_text(df, text_col)
    text = F.col(_TEXT)
    key = repeat_key(text)
    spam_reasons = spam_reasons_column(
        taxonomy,
        SpamSignals(
            hashtag_count=size_or_zero(F.col("hashtags")),
            mention_count=size_or_zero(F.col("mentions")),
            author_id=F.col("author_id"),
            account_age_days=account_age_days(),
            author_tweet_count=F.col("author_tweet_count"),
            has_link=has_link(df, link_in_text(F.col(text_col))),
            no_words=no_words_besides_links(F.col(text_col)),
            repeat_key=key,
            has_repeat_key=key != "",
            day=tweet_day(),
            has_promo_terms=text.rlike(taxonomy.spam.promo.pattern),
        ),
    )
    return with_text.select(
        *[F.col(name) for name in df.columns],
        spam_reasons.alias("spam_reasons"),
        (F.size(spam_reasons) > 0).alias("is_spam"),
    )


# The building blocks: each is a column expression, so the enrich stage can compute what depends on
# the text alone once per distinct text (tweets_etl.transforms.enrich) and the rest per tweet.


def uses_sentiment(taxonomy: Taxonomy) -> bool:
    return any(condition.sentiment for item in taxonomy.feedback_types for condition in item.when)


def aspects_column(text: Column, taxonomy: Taxonomy) -> Column:
    """Ids of the aspects ``text`` (a :func:`classify_text`) mentions, in taxonomy order; never null."""
    matches = [F.when(text.rlike(aspect.lexicon.pattern), F.lit(aspect.id)) for aspect in taxonomy.aspects]
    return F.array_compact(F.array(*matches)) if matches else _empty_strings()


def cue_columns(text: Column, taxonomy: Taxonomy) -> Dict[str, Column]:
    """Whether ``text`` (a :func:`classify_text`) matches each feedback type's cues, by type id."""
    return {item.id: text.rlike(item.cues.pattern) for item in taxonomy.feedback_types if item.cues}


def feedback_type_column(
    taxonomy: Taxonomy,
    *,
    cues: Mapping[str, Column],
    sentiment_label: Optional[Column],
    has_aspect: Column,
    has_link: Column,
) -> Column:
    """The first type in ``taxonomy.priority`` whose rule holds, else the fallback; never null."""
    sentiment = F.coalesce(sentiment_label, F.lit("unscored")) if sentiment_label is not None else None
    facts = _Facts(sentiment=sentiment, has_aspect=has_aspect, has_link=has_link)
    chain = None
    for type_id in taxonomy.priority[:-1]:
        rule = facts.rule(taxonomy.feedback_type(type_id), cues.get(type_id, F.lit(False)))
        chain = F.when(rule, F.lit(type_id)) if chain is None else chain.when(rule, F.lit(type_id))
    fallback = F.lit(taxonomy.fallback)
    return fallback if chain is None else chain.otherwise(fallback)


def has_link(df: DataFrame, link_in_text: Column) -> Column:
    """A link in the ``urls`` entity array (when the frame has one) or in the text itself."""
    if "urls" in df.columns:
        return (size_or_zero(F.col("urls")) > 0) | link_in_text
    return link_in_text


def link_in_text(raw_text: Column) -> Column:
    return F.coalesce(raw_text, F.lit("")).rlike(_LINK)


def no_words_besides_links(raw_text: Column) -> Column:
    """True when nothing but links, mentions and hashtags is left: no letter or digit."""
    words_left = F.regexp_replace(
        F.regexp_replace(F.coalesce(raw_text, F.lit("")), _LINK, " "), f"{_MENTION}|{_HASHTAG}", " "
    )
    return ~words_left.rlike(r"[\p{L}\p{N}]")


def repeat_key(text: Column) -> Column:
    """The same words from the same author, whatever links and mentions differ between the copies."""
    return F.trim(F.regexp_replace(F.regexp_replace(text, _MENTION, " "), r"\s+", " "))


def tweet_day() -> Column:
    """The tweet's UTC day (the session's time zone is UTC): the scope of ``repeated_text``."""
    return F.to_date(F.col("created_at"))


def account_age_days() -> Column:
    """Days between the account's creation and the tweet (from the stg_tweets columns)."""
    return F.datediff(F.col("created_at"), F.col("author_created_at"))


@dataclass(frozen=True)
class SpamSignals:
    """What the spam rules read, as columns: from the tweet, its author and its text."""

    hashtag_count: Column
    mention_count: Column
    author_id: Column
    account_age_days: Column
    author_tweet_count: Column
    has_link: Column
    no_words: Column
    repeat_key: Column  # copies of one text by one author share it (see repeat_key())
    has_repeat_key: Column  # false when nothing is left to compare (an empty repeat_key)
    day: Column  # copies are counted per UTC day (see tweet_day())
    has_promo_terms: Column


def spam_reasons_column(taxonomy: Taxonomy, signals: SpamSignals) -> Column:
    """Ids of the spam reasons that apply to each row (empty when clean). ``repeated_text`` counts
    the rows of the frame with the same author, repeat key and day, over a window.

    Per day, because a batch rewrites its days whole: a day's flags then depend on that day's
    tweets alone, and not on which other days the batch that last touched it happened to bring.
    """
    rules = taxonomy.spam
    repeats = F.count(F.lit(1)).over(Window.partitionBy(signals.author_id, signals.repeat_key, signals.day))
    reasons = {
        "many_hashtags": signals.hashtag_count > rules.max_hashtags,
        "many_mentions": signals.mention_count > rules.max_mentions,
        "link_only": signals.has_link & signals.no_words,
        "repeated_text": signals.author_id.isNotNull()
        & signals.has_repeat_key
        & (repeats >= rules.repeated_text_min),
        "promo_terms": signals.has_promo_terms,
        "young_prolific_account": (signals.account_age_days < rules.young_account_days)
        & (signals.author_tweet_count > rules.young_account_min_tweets),
    }
    flagged = [
        F.when(F.coalesce(condition, F.lit(False)), F.lit(reason)) for reason, condition in reasons.items()
    ]
    return F.array_compact(F.array(*flagged))


class _Facts:
    """What the feedback rules can test, as columns, and how a rule combines them."""

    def __init__(self, *, sentiment: Optional[Column], has_aspect: Column, has_link: Column) -> None:
        self.sentiment = sentiment
        self.has_aspect = has_aspect
        self.has_link = has_link

    def rule(self, feedback_type: FeedbackType, cues: Column) -> Column:
        alternatives = [self._condition(condition, cues) for condition in feedback_type.when]
        return reduce(lambda left, right: left | right, alternatives)

    def _condition(self, condition: Condition, cues: Column) -> Column:
        parts: List[Column] = []
        if condition.cues is not None:
            parts.append(cues if condition.cues else ~cues)
        if condition.sentiment is not None:
            parts.append(self.sentiment.isin(*condition.sentiment))
        if condition.has_aspect is not None:
            parts.append(self.has_aspect if condition.has_aspect else ~self.has_aspect)
        if condition.has_link is not None:
            parts.append(self.has_link if condition.has_link else ~self.has_link)
        return reduce(lambda left, right: left & right, parts)


def size_or_zero(values: Column) -> Column:
    """Array size with null as 0 (Spark's size(null) is -1)."""
    return F.coalesce(F.size(F.coalesce(values, _empty_strings())), F.lit(0))


def _empty_strings() -> Column:
    return F.array().cast(T.ArrayType(T.StringType()))


def _require(df: DataFrame, columns: Sequence[str]) -> None:
    missing = [name for name in columns if name not in df.columns]
    if missing:
        raise ValueError(f"with_spam_flags needs the stg_tweets columns {', '.join(missing)}")
