"""Text preparation for sentiment: the tweet-model convention and VADER's tweet-aware steps."""

from __future__ import annotations

import pytest

from tweets_etl.sentiment import prepare


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@OpenAI ChatGPT is at capacity again", "@user ChatGPT is at capacity again"),
        ("Read this https://t.co/abc123 and http://x.io", "Read this http and http"),
        ("Glued>>https://t.co/x.", "Glued>>http"),
        ("mail me at bob@example.com", "mail me at bob@example.com"),
        ("  two\n\nlines\u00a0and\ttabs  ", "two lines and tabs"),
        ("@a @b_c:", "@user @user"),
        ("a lone @ sign", "a lone @ sign"),
        ("", ""),
    ],
)
def test_prepare_text_follows_the_tweet_model_convention(text, expected):
    assert prepare.prepare_text(text) == expected
    assert prepare.prepare_text(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("prepared", "expected"),
    [
        ("@user http", False),
        ("@user http !! ...", False),
        ("", False),
        ("@user :)", True),
        ("😍", True),
        ("@user ok", True),
        ("#chatgpt", True),
    ],
)
def test_has_content_separates_unscorable_from_neutral(prepared, expected):
    assert prepare.has_content(prepared) is expected


def test_decode_artifacts_undoes_html_entities_and_literal_escapes():
    assert prepare.decode_artifacts("Q&amp;A \\u2019s &gt;") == "Q&A \u2019s >"
    assert prepare.decode_artifacts("plain text") == "plain text"


def test_normalize_quotes_turns_typographic_apostrophes_quotes_and_ellipsis_into_ascii():
    assert prepare.normalize_quotes("don\u2019t \u201cwork\u201d") == 'don\'t "work"'
    assert prepare.normalize_quotes("not\u2026 great") == "not... great"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This is a #GameChanger", "This is a Game Changer"),
        ("#sad #ChatGPT4 #GPTModel", "sad Chat GPT 4 GPT Model"),
        ("#so_happy", "so happy"),
        ("Q&A#1 stays", "Q&A#1 stays"),
    ],
)
def test_split_hashtags_reads_the_words(text, expected):
    assert prepare.split_hashtags(text) == expected


def test_squeeze_elongations_picks_the_spelling_the_lexicon_knows():
    known = {"good", "so", "cool", "happy", "yes"}.__contains__
    assert prepare.squeeze_elongations("soooo goooood", known) == "so good"
    assert prepare.squeeze_elongations("Cooool happpyyy yesss", known) == "Cool happy yes"
    assert prepare.squeeze_elongations("zzzz too", known) == "z too"  # unknown: every run to one letter
    assert prepare.squeeze_elongations("Coffee all good", known) == "Coffee all good"  # doubles stay


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It looks like rain", "It looks like_as rain"),
        ("Like, what", "like_as, what"),
        ("I like it", "I like it"),
        ("I really like it", "I really like it"),
        ("I don't like it", "I don't like it"),
        ("would like to", "would like to"),
        ("likely unlike", "likely unlike"),
        # After a negation the verb stays, so VADER can negate it.
        ("I do not like the new update", "I do not like the new update"),
        ("I really do NOT like this", "I really do NOT like this"),
        ("we would never like it", "we would never like it"),
        ("I never like it", "I never like it"),
        ("you may not like it", "you may not like it"),
        ("I won't like it", "I won't like it"),
        ("u cant like that", "u cant like that"),
        # A subject pronoun, then adverbs or modals: the verb.
        ("I just like it", "I just like it"),
        ("you might like it", "you might like it"),
        ("we really like it", "we really like it"),
        ("they'd like it", "they'd like it"),
        ("I don't even like it", "I don't even like it"),
        ("you'll probably like it", "you'll probably like it"),
        # Adverbs without a subject pronoun before them still compare.
        ("it's just like a search engine", "it's just like_as a search engine"),
        ("people just like you", "people just like_as you"),
        ("feels like magic, works like a pro", "feels like_as magic, works like_as a pro"),
        ("I, just like you", "I, just like_as you"),
        # A negated copula, a pronoun or a lone "not" still compares.
        ("It's not like it matters", "It's not like_as it matters"),
        ("it isn't like that", "it isn't like_as that"),
        ("looks nothing like GPT", "looks nothing like_as GPT"),
        ("Never like this before", "Never like_as this before"),
    ],
)
def test_mark_prepositional_like_keeps_only_the_verb(text, expected):
    assert prepare.mark_prepositional_like(text) == expected


def test_negations_that_keep_the_verb_like_are_words_vader_negates():
    from vaderSentiment.vaderSentiment import NEGATE

    assert set(NEGATE) >= prepare._NEGATED_AUXILIARIES | prepare._BARE_NEGATIONS


def test_uncensor_restores_words_of_the_same_shape():
    words = ("fuck", "fucking", "shit", "ass")
    assert prepare.uncensor("F*** this, sh*t f**king a**", words) == "Fuck this, shit fucking ass"
    assert prepare.uncensor("x*y and 5*3 stay", words) == "x*y and 5*3 stay"


def test_uncensor_keeps_shouting_in_capitals():
    words = ("fuck", "fucking", "shit")
    assert prepare.uncensor("it is SH*T, F***ING slow", words) == "it is SHIT, FUCKING slow"
    assert prepare.uncensor("Sh*t. F***ing hell", words) == "Shit. Fucking hell"
    assert prepare.uncensor("sH*t", words) == "shit"


def test_emoticons_are_spaced_out_but_not_times_links_or_brackets():
    pattern = prepare.emoticon_pattern([":)", ":(", ":/", "):", ":3", "<3"])
    assert prepare.space_out("great:) bad:(", pattern).split() == ["great", ":)", "bad", ":("]
    assert prepare.space_out("at 9:30 or 3:3", pattern) == "at 9:30 or 3:3"
    assert prepare.space_out("(ANI): said", pattern) == "(ANI): said"
    assert prepare.space_out("see file:/tmp", pattern) == "see file:/tmp"
    assert prepare.space_out("love<3", pattern).split() == ["love", "<3"]


def test_strip_emoji_modifiers_keeps_the_emoji():
    assert prepare.strip_emoji_modifiers("\u2764\ufe0f \U0001f44d\U0001f3fd") == "\u2764 \U0001f44d"
