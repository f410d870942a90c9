"""The tweet-aware VADER scorer, plain VADER, and the label/band definitions (no Spark)."""

from __future__ import annotations

import pickle

import pytest

from tweets_etl.sentiment import SENTIMENT_BANDS, SENTIMENT_LABELS, band, build_scorer, label
from tweets_etl.sentiment.base import (
    NEGATIVE_AT_MOST,
    PLAIN_VADER_THRESHOLDS,
    POSITIVE_AT_LEAST,
    VERY_NEGATIVE_AT_MOST,
    VERY_POSITIVE_AT_LEAST,
    SentimentScore,
)
from tweets_etl.sentiment.vader import LEVERS, PlainVaderScorer, VaderScorer, with_levers


@pytest.fixture(scope="module")
def vader():
    return VaderScorer()


@pytest.fixture(scope="module")
def stock_and_scoped():
    """Every lever but sentence scoping, and every lever: where no sentence end matters, they agree."""
    return with_levers([name for name in LEVERS if name != "sentences"]), with_levers(list(LEVERS))


def _label(scorer, text):
    score = scorer.score(text)
    return label(None if score is None else score.compound)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ChatGPT just wrote a whole Python script for me in seconds. This is a game changer 🤯", "positive"),
        (
            "ChatGPT wrote me a poem about my cat and honestly it's better than anything I could write 😂",
            "positive",
        ),
        ("ChatGPT is at capacity right now. Again. Third time today 😤", "negative"),
        ("Is ChatGPT down for anyone else? Getting 'network error' on every prompt", "negative"),
        ("ChatGPT is down again, the third outage this week", "negative"),
        ("It keeps hallucinating sources and citing papers that do not exist", "negative"),
        ("ChatGPT is not a game changer, it's autocomplete", "negative"),
        ("Microsoft is putting ChatGPT into Bing.", "neutral"),
        (
            "Students are using ChatGPT to write their homework essays. Teachers, how are you handling this?",
            "neutral",
        ),
        ("😍😍", "positive"),
        ("@OpenAI https://t.co/abc", "unscored"),
        ("", "unscored"),
        (None, "unscored"),
    ],
)
def test_realistic_chatgpt_tweets_get_the_expected_label(vader, text, expected):
    assert _label(vader, text) == expected


@pytest.mark.parametrize(
    ("lever", "text", "without_label", "with_label"),
    [
        # Each lever flips a tweet: the shipped scorer with the lever off gets it wrong, with it on right.
        ("decode", "Great\\u002c I can\\u2019t wait", "neutral", "positive"),
        ("quotes", "I don\u2019t love it", "positive", "negative"),
        ("sentences", "It doesn't. Great job!", "negative", "positive"),
        ("hashtags", "ChatGPT #LoveIt", "neutral", "positive"),
        ("elongations", "soooo goooood", "neutral", "positive"),
        ("emoji", "ChatGPT wrote my essay 😡", "neutral", "negative"),
        ("emoticons", "it answered in seconds:)", "neutral", "positive"),
        ("censored", "F*** this", "neutral", "negative"),
        ("like", "This looks like a bot wrote it", "positive", "neutral"),
        ("numbers", "wrote 143 pages", "positive", "neutral"),
        ("domain", "It's hallucinating", "neutral", "negative"),
    ],
)
def test_each_lever_fixes_what_it_claims(lever, text, without_label, with_label):
    # Labels at VADER's own +-0.05, the basis on which calibrate measures each lever.
    everything = with_levers(list(LEVERS), PLAIN_VADER_THRESHOLDS).score(text)
    without = with_levers([other for other in LEVERS if other != lever], PLAIN_VADER_THRESHOLDS).score(text)
    assert label(without.compound, PLAIN_VADER_THRESHOLDS) == without_label
    assert label(everything.compound, PLAIN_VADER_THRESHOLDS) == with_label


def test_every_lever_has_a_test():
    tested = {"decode", "quotes", "sentences", "hashtags", "elongations", "emoji"}
    tested |= {"emoticons", "censored", "like", "numbers", "domain"}
    assert tested == set(LEVERS)


def test_sentence_scoping_leaves_single_sentences_exactly_as_vader_scores_them(stock_and_scoped):
    stock, scoped = stock_and_scoped
    for text in ("Not bad at all, really good!", "ChatGPT isn't great but it's free", "NOT GOOD :("):
        assert scoped.score(text) == stock.score(text)


@pytest.mark.parametrize(
    "text", ["I LOVE IT! thanks openai", "THIS IS TERRIBLE. why would they do this", "WOW. so good"]
)
def test_sentence_scoping_keeps_caps_emphasis_of_a_shouted_sentence(stock_and_scoped, text):
    # VADER emphasises ALL-CAPS words when the text mixes them with others: a property of the whole
    # text, which a fully shouted sentence read on its own would lose. Nothing here crosses a sentence
    # end, so the scoped and the stock analyzer must agree.
    stock, scoped = stock_and_scoped
    assert scoped.score(text) == stock.score(text)


@pytest.mark.parametrize(
    "text", ["The new update is not... great", "It is not.. good", "The new update is not\u2026 great"]
)
def test_an_ellipsis_does_not_end_the_sentence_or_the_negation(stock_and_scoped, text):
    stock, scoped = stock_and_scoped
    assert scoped.score(text) == stock.score(text)
    assert scoped.score(text).compound < 0


@pytest.mark.parametrize("text", ["Not\u2026 great", "Great\u2026 thanks", "It doesn't\u2026 Great job!"])
def test_a_one_character_ellipsis_reads_as_three_dots(vader, text):
    assert vader.score(text) == vader.score(text.replace("\u2026", "..."))


def test_a_sentence_still_ends_at_one_dot():
    assert label(with_levers(list(LEVERS)).score("It doesn't. Great job!").compound) == "positive"


@pytest.mark.parametrize(
    "text", ["I do not like the new update", "I would never like that", "I really do not like this"]
)
def test_a_negated_like_is_negative_as_in_stock_vader(vader, text):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    stock = SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
    assert vader.score(text).compound == stock < 0


@pytest.mark.parametrize("text", ["I just like it", "you might like it", "they'd like it"])
def test_like_after_a_subject_and_adverbs_or_modals_weighs_as_the_verb(vader, text):
    assert vader.score(text).compound == vader.score("I like it").compound > 0


def test_censored_shouting_weighs_like_the_shouted_word(vader):
    assert vader.score("chatgpt is SH*T today") == vader.score("chatgpt is SHIT today")
    assert vader.score("chatgpt is SH*T today").compound < vader.score("chatgpt is shit today").compound


def test_plain_vader_is_vader_as_published():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    text = "ChatGPT is SO good!!! but slow :("
    published = SentimentIntensityAnalyzer().polarity_scores(text)
    assert PlainVaderScorer().score(text) == SentimentScore(
        published["compound"], published["pos"], published["neu"], published["neg"]
    )
    assert PlainVaderScorer().score(None) is None


def test_scores_are_in_range_and_proportions_sum_to_one(vader):
    scores = vader.score_many(["I love it", "I hate it", "It is a tool", "@user http"])
    assert scores[3] is None
    for score in scores[:3]:
        assert -1.0 <= score.compound <= 1.0
        assert score.positive + score.neutral + score.negative == pytest.approx(1.0, abs=0.002)


def test_scorers_pickle_small_and_score_the_same_after(vader):
    payload = pickle.dumps(vader)
    assert len(payload) < 2000  # the analyzer and lexicon are not in it
    text = "ChatGPT is a game changer 🔥"
    assert pickle.loads(payload).score(text) == vader.score(text)


@pytest.mark.parametrize(
    ("compound", "expected_label", "expected_band"),
    [
        (None, "unscored", "unscored"),
        (-1.0, "negative", "very_negative"),
        (VERY_NEGATIVE_AT_MOST, "negative", "very_negative"),
        (VERY_NEGATIVE_AT_MOST + 0.0001, "negative", "negative"),
        (NEGATIVE_AT_MOST, "negative", "negative"),
        (NEGATIVE_AT_MOST + 0.0001, "neutral", "neutral"),
        (0.0, "neutral", "neutral"),
        (POSITIVE_AT_LEAST - 0.0001, "neutral", "neutral"),
        (POSITIVE_AT_LEAST, "positive", "positive"),
        (VERY_POSITIVE_AT_LEAST - 0.0001, "positive", "positive"),
        (VERY_POSITIVE_AT_LEAST, "positive", "very_positive"),
        (1.0, "positive", "very_positive"),
    ],
)
def test_label_and_band_boundaries(compound, expected_label, expected_band):
    assert label(compound) == expected_label
    assert band(compound) == expected_band


def test_dimension_members_are_ordered_and_cover_the_range():
    assert [member.id for member in SENTIMENT_LABELS] == ["negative", "neutral", "positive", "unscored"]
    assert [member.id for member in SENTIMENT_BANDS] == [
        "very_negative",
        "negative",
        "neutral",
        "positive",
        "very_positive",
        "unscored",
    ]
    for members in (SENTIMENT_LABELS, SENTIMENT_BANDS):
        scored = [member for member in members if member.id != "unscored"]
        assert scored[0].compound_min == -1.0 and scored[-1].compound_max == 1.0
        for lower, upper in zip(scored, scored[1:]):
            assert lower.compound_max == upper.compound_min
    # The published ranges agree with the functions at each member's midpoint.
    for member in SENTIMENT_BANDS[:-1]:
        assert band((member.compound_min + member.compound_max) / 2) == member.id


def test_build_scorer_names_the_choices():
    from tweets_etl.errors import ConfigError

    assert build_scorer("vader").name == "vader"
    assert build_scorer("plain-vader").name == "plain-vader"
    with pytest.raises(ConfigError, match="choose one of: vader, plain-vader, transformer"):
        build_scorer("textblob")
