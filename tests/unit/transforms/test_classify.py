"""Feedback types, aspects and spam flags from the shipped taxonomy, on realistic ChatGPT tweets."""

from __future__ import annotations

import csv
import html
import re
from collections import Counter
from datetime import datetime, timedelta

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from tweets_etl.tables import INT_TWEETS_ENRICHED, STG_TWEETS
from tweets_etl.taxonomy import SPAM_REASONS
from tweets_etl.transforms.classify import (
    aspects_column,
    classify_text,
    cue_columns,
    with_aspects,
    with_feedback_type,
    with_spam_flags,
)
from tweets_etl.transforms.enrich import JUDGEMENT_COLUMNS, judge_tweets
from tweets_etl.transforms.sentiment import with_sentiment

pytestmark = pytest.mark.spark


def _transform(df, fn, taxonomy):
    return df.transform(lambda frame: fn(frame, taxonomy=taxonomy))


# (text, sentiment label as a reader would give it, expected feedback type, expected aspects)
CASES = [
    (
        "ChatGPT just wrote my whole Python script in seconds. Game changer 🤯",
        "positive",
        "praise",
        ["coding", "writing", "speed"],
    ),
    (
        "ChatGPT wrote a poem for my mom's birthday and she loved it",
        "positive",
        "praise",
        ["writing", "creativity"],
    ),
    ("ChatGPT is at capacity again. Third time today 😤", "negative", "complaint", ["availability"]),
    ("It keeps hallucinating citations, fake references everywhere", "neutral", "complaint", ["accuracy"]),
    ("Is ChatGPT down for anyone else? Getting a network error", "negative", "complaint", ["availability"]),
    ("Students are using ChatGPT to cheat on their homework", "negative", "complaint", ["education"]),
    (
        "Would pay for ChatGPT Plus if it was faster. $20/month is a lot",
        "neutral",
        "suggestion",
        ["speed", "pricing"],
    ),
    ("OpenAI please add a way to export conversations", "neutral", "suggestion", []),
    ("How do I get ChatGPT to remember context across sessions?", "neutral", "question", []),
    ("Does the API have a plugin for Zapier?", "neutral", "question", ["api_plugins"]),
    ("Google launches Bard to take on ChatGPT https://t.co/abc", "neutral", "news_promo", ["search"]),
    (
        "10 prompts for better marketing copy 👇 https://t.co/x",
        "neutral",
        "news_promo",
        ["business_marketing"],
    ),
    ("Microsoft is putting ChatGPT into Bing.", "neutral", "other", ["search"]),
    (
        "Worried: does ChatGPT store everything I type about my private life",
        "negative",
        "complaint",
        ["privacy"],
    ),
    ("Jailbreak prompts make it ignore the safety rules", "neutral", "other", ["safety_ethics"]),
    ("The power of ChatGPT🔥", "neutral", "praise", []),  # an emoji cue glued to a word
    ("ChatGPT doesn’t work today", "neutral", "complaint", []),  # a phone's apostrophe
    ("I’d pay for a version that remembers", "neutral", "suggestion", ["pricing"]),
    ("Thanks #ChatGPT for the recipe", "neutral", "praise", []),
    ("ChatGPT is at\u00a0capacity", "neutral", "complaint", ["availability"]),  # a no-break space
    (
        "Used ChatGPT to draft my cover letter and got the interview",
        "neutral",
        "other",
        ["writing", "jobs_work"],
    ),
    (None, "unscored", "other", []),
]


@pytest.fixture(scope="module")
def cases(spark):
    rows = [(str(index), text, label) for index, (text, label, _, _) in enumerate(CASES)]
    return spark.createDataFrame(rows, "tweet_id string, text string, sentiment_label string")


def test_feedback_types_follow_the_taxonomy_rules(spark, cases, shipped_taxonomy):
    expected = spark.createDataFrame(
        [(str(index), text, label, kind) for index, (text, label, kind, _) in enumerate(CASES)],
        "tweet_id string, text string, sentiment_label string, feedback_type string",
    )
    actual = _transform(cases, with_feedback_type, shipped_taxonomy)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_aspects_are_every_matching_aspect_and_never_null(spark, cases, shipped_taxonomy):
    expected = spark.createDataFrame(
        [(str(index), text, label, aspects) for index, (text, label, _, aspects) in enumerate(CASES)],
        "tweet_id string, text string, sentiment_label string, aspects array<string>",
    )
    actual = _transform(cases, with_aspects, shipped_taxonomy)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_sentiment_decides_between_praise_complaint_and_other(spark, shipped_taxonomy):
    text = "ChatGPT answers my coding questions"  # no cue words, one aspect
    df = spark.createDataFrame(
        [(label, text) for label in ("positive", "negative", "neutral", None)],
        "sentiment_label string, text string",
    )
    result = {
        row.sentiment_label: row.feedback_type
        for row in _transform(df, with_feedback_type, shipped_taxonomy).collect()
    }
    assert result == {"positive": "praise", "negative": "complaint", "neutral": "other", None: "other"}


def test_classify_text_is_lowercased_without_links_with_straight_apostrophes_and_plain_spaces(spark):
    df = spark.createDataFrame(
        [
            ("1", "It’s DOWN https://t.co/x"),
            ("2", "I‘d pay, don`t ʼem"),
            ("3", None),
            ("4", "at\u00a0capacity\u202fagain"),
            ("5", "https://t.co/x\u00a0down again"),
        ],
        "tweet_id string, text string",
    )
    expected = spark.createDataFrame(
        [
            ("1", "it's down  "),
            ("2", "i'd pay, don't 'em"),
            ("3", ""),
            ("4", "at capacity again"),
            ("5", "  down again"),
        ],
        "tweet_id string, text string",
    )
    actual = df.select("tweet_id", classify_text(F.col("text")).alias("text"))
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


# (text, cues matched in taxonomy order, aspects, promo_terms): the regexes match whole words only.
WHOLE_WORD_CASES = [
    ("ChatGPT is downright amazing", ["praise"], [], False),
    ("it is downloading", [], [], False),
    ("start and follow the steps", [], [], False),
    ("smart and likeable assistant", [], [], False),
    ("support and follow up with customers", [], ["business_marketing"], False),
    ("my laptop 3 years old", [], [], False),
    ("I won’t doubt your games again", [], [], False),
    ("it's down for me", ["complaint"], ["availability"], False),
    ("Is #ChatGPT down?", ["question"], ["availability"], False),
    ("ChatGPT is down rn", ["complaint"], ["availability"], False),
    ("so\n#ChatGPT #down 🥴", [], ["availability"], False),
    ("ChatGPT down-ranked, calm down", [], [], False),
    ("it won’t do my homework", ["complaint"], ["education"], False),
    ("Top 10 prompts", ["news_promo"], [], False),
    ("RT and follow to win", [], [], True),
    ("The credit should have gone to the author", [], [], False),
    ("It should remember my chats", ["suggestion"], [], False),
    ("Irreplaceable people", [], [], False),
    ("AI will replace programmers", [], ["coding", "jobs_work"], False),
    (None, [], [], False),
]


def test_taxonomy_regexes_match_whole_words_only(spark, shipped_taxonomy):
    df = spark.createDataFrame([(text,) for text, _, _, _ in WHOLE_WORD_CASES], "text string")
    text = classify_text(F.col("text"))
    cues = F.array_compact(
        F.array(
            *[F.when(match, F.lit(type_id)) for type_id, match in cue_columns(text, shipped_taxonomy).items()]
        )
    )
    actual = df.select(
        "text",
        cues.alias("cues"),
        aspects_column(text, shipped_taxonomy).alias("aspects"),
        text.rlike(shipped_taxonomy.spam.promo.pattern).alias("promo_terms"),
    )
    expected = spark.createDataFrame(
        WHOLE_WORD_CASES, "text string, cues array<string>, aspects array<string>, promo_terms boolean"
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_feedback_type_needs_sentiment_first(spark, shipped_taxonomy):
    df = spark.createDataFrame([("hi",)], "text string")
    with pytest.raises(ValueError, match="apply with_sentiment first"):
        with_feedback_type(df, taxonomy=shipped_taxonomy)


SPAM_SCHEMA = (
    "tweet_id string, text string, hashtags array<string>, mentions array<string>, urls array<string>, "
    "author_id string, created_at timestamp, author_created_at timestamp, author_tweet_count bigint"
)
NOW = datetime(2023, 2, 1, 12, 0, 0)
OLD = NOW - timedelta(days=900)


def spam_row(
    tweet_id,
    text,
    *,
    author_id,
    hashtags=(),
    mentions=(),
    urls=(),
    created_at=NOW,
    author_created_at=OLD,
    author_tweet_count=900,
    reasons=(),
):
    """A row of SPAM_SCHEMA, then the spam reasons expected for it: unless told otherwise, a tweet
    posted at NOW without hashtags, mentions or links, by an old account with 900 tweets."""

    def listed(values):
        return None if values is None else list(values)

    return (
        tweet_id,
        text,
        listed(hashtags),
        listed(mentions),
        listed(urls),
        author_id,
        created_at,
        author_created_at,
        author_tweet_count,
        list(reasons),
    )


def _spam_rows():
    tags = [f"tag{number}" for number in range(11)]
    people = [f"user{number}" for number in range(6)]
    young = NOW - timedelta(days=3)
    return [
        spam_row("1", "ChatGPT helped me fix a bug today", author_id="a1"),
        spam_row(
            "2", " ".join(f"#{tag}" for tag in tags), author_id="a2", hashtags=tags, reasons=["many_hashtags"]
        ),
        spam_row(
            "3",
            " ".join(f"@{who}" for who in people) + " look",
            author_id="a3",
            mentions=people,
            reasons=["many_mentions"],
        ),
        spam_row(
            "4",
            "https://t.co/abc #ChatGPT @OpenAI 👇",
            author_id="a4",
            hashtags=["chatgpt"],
            mentions=["openai"],
            urls=["https://x.io/a"],
            reasons=["link_only"],
        ),
        spam_row(
            "5",
            "Free ChatGPT guide at https://t.co/1",
            author_id="a5",
            urls=["https://x.io/1"],
            reasons=["repeated_text"],
        ),
        spam_row(
            "6",
            "free chatgpt guide at https://t.co/2",
            author_id="a5",
            urls=["https://x.io/2"],
            reasons=["repeated_text"],
        ),
        spam_row(
            "7",
            "@bob Free ChatGPT guide at https://t.co/3",
            author_id="a5",
            mentions=["bob"],
            urls=["https://x.io/3"],
            reasons=["repeated_text"],
        ),
        spam_row("8", "Free ChatGPT guide at https://t.co/4", author_id="a6", urls=["https://x.io/4"]),
        spam_row("9", "GIVEAWAY! Follow + RT to win an airdrop", author_id="a7", reasons=["promo_terms"]),
        spam_row(
            "10",
            "ChatGPT is wild",
            author_id="a8",
            author_created_at=young,
            author_tweet_count=20000,
            reasons=["young_prolific_account"],
        ),
        spam_row("11", "ChatGPT is wild", author_id="a9", author_created_at=young, author_tweet_count=40),
        # Nothing known at all.
        spam_row(
            "12",
            None,
            author_id=None,
            hashtags=None,
            mentions=None,
            urls=None,
            created_at=None,
            author_created_at=None,
            author_tweet_count=None,
        ),
        # Three copies, but over two days: repeated_text counts per UTC day, so none is flagged.
        spam_row("13", "My ChatGPT prompt pack is out", author_id="a10"),
        spam_row("14", "My ChatGPT prompt pack is out", author_id="a10"),
        spam_row(
            "15", "My ChatGPT prompt pack is out", author_id="a10", created_at=NOW - timedelta(hours=13)
        ),
    ]


def test_spam_flags_name_each_reason_and_never_drop_a_row(spark, shipped_taxonomy):
    rows = _spam_rows()
    df = spark.createDataFrame([row[:-1] for row in rows], SPAM_SCHEMA)
    expected = spark.createDataFrame(
        [(*row[:-1], row[-1], bool(row[-1])) for row in rows],
        f"{SPAM_SCHEMA}, spam_reasons array<string>, is_spam boolean",
    )
    actual = _transform(df, with_spam_flags, shipped_taxonomy)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)
    assert {reason for row in rows for reason in row[-1]} == set(SPAM_REASONS)  # every reason is exercised


def _read_chatgpt_csv(folder):
    """The CSV exports as stg_tweets-shaped rows (the import command does this properly later)."""
    rows = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for number, record in enumerate(csv.DictReader(handle)):
                text = html.unescape(record["Tweet"])
                created = datetime.strptime(record["Date"][:19], "%Y-%m-%d %H:%M:%S")
                rows.append(
                    (
                        f"{path.stem}-{number}",
                        created,
                        text,
                        [tag.lower() for tag in re.findall(r"(?<![\w&#])#(\w+)", text)],
                        [who.lower() for who in re.findall(r"(?<![\w@])@(\w{1,15})", text)],
                        re.findall(r"https?://\S+", text),
                        None,
                        None,
                        None,
                    )
                )
    return rows


@pytest.mark.slow
def test_every_real_chatgpt_tweet_is_scored_and_classified(spark, shared_data, shipped_taxonomy):
    rows = _read_chatgpt_csv(shared_data / "chatgpt_tweets_csv")
    df = spark.createDataFrame(
        rows,
        "tweet_id string, created_at timestamp, text string, hashtags array<string>, mentions array<string>, "
        "urls array<string>, author_id string, author_created_at timestamp, author_tweet_count bigint",
    )
    one_by_one = _one_by_one(df, shipped_taxonomy).cache()
    # The enrich stage judges each distinct text once: on real tweets it must agree row for row.
    assert_df_equality(
        judge_tweets(df, taxonomy=shipped_taxonomy), one_by_one, ignore_row_order=True, ignore_nullable=True
    )
    result = one_by_one.collect()
    assert len(result) == len(rows) > 18000
    type_ids = {item.id for item in shipped_taxonomy.feedback_types}
    aspect_ids = {aspect.id for aspect in shipped_taxonomy.aspects}
    labels, types, aspects, spam = Counter(), Counter(), Counter(), Counter()
    for row in result:
        assert row.sentiment_label in ("negative", "neutral", "positive", "unscored")
        assert row.feedback_type in type_ids
        assert row.aspects is not None and set(row.aspects) <= aspect_ids
        assert row.is_spam is (len(row.spam_reasons) > 0)
        labels[row.sentiment_label] += 1
        types[row.feedback_type] += 1
        aspects.update(row.aspects)
        spam.update(row.spam_reasons or ["clean"])
    # Every class occurs on real data: a rule that never fires would be a broken rule.
    assert set(types) == type_ids and set(aspects) == aspect_ids
    assert {"negative", "neutral", "positive"} <= set(labels)
    print(f"\nsentiment {dict(labels)}\nfeedback {dict(types)}\naspects {dict(aspects)}\nspam {dict(spam)}")


def _one_by_one(df, taxonomy):
    """The row-wise functions a notebook uses, chained: what the enrich stage must equal."""
    return (
        with_sentiment(df, keep_text=False)
        .transform(lambda frame: with_aspects(frame, taxonomy=taxonomy))
        .transform(lambda frame: with_feedback_type(frame, taxonomy=taxonomy))
        .transform(lambda frame: with_spam_flags(frame, taxonomy=taxonomy))
        .select("tweet_id", *JUDGEMENT_COLUMNS)
    )


def test_judging_each_distinct_text_once_gives_the_row_wise_result(spark, shipped_taxonomy):
    rows = [row[:-1] for row in _spam_rows()]
    # Feedback cases, a retweet-like copy of one of them by other authors, an empty text.
    rows += [
        spam_row(f"c{number}", text, author_id=f"c{number % 3}")[:-1]
        for number, (text, _, _, _) in enumerate(CASES + CASES[:2])
    ]
    rows.append(spam_row("e1", "", author_id="a1")[:-1])
    df = spark.createDataFrame(rows, SPAM_SCHEMA)
    assert_df_equality(
        judge_tweets(df, taxonomy=shipped_taxonomy),
        _one_by_one(df, shipped_taxonomy),
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_judgement_columns_are_what_enrichment_adds_to_staged_tweets():
    added = [name for name in INT_TWEETS_ENRICHED.columns if name not in STG_TWEETS.columns]
    assert sorted(added) == sorted(JUDGEMENT_COLUMNS)
