"""Loading and validating the taxonomy: the shipped file, phrase semantics, and every mistake named."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from tweets_etl.errors import ConfigError
from tweets_etl.taxonomy import (
    REPORTED_FEEDBACK_TYPES,
    TOP_FEEDBACK_TYPES,
    Lexicon,
    check_with_java,
    java_problem,
    load_taxonomy,
)

ASPECT_IDS = [
    "coding",
    "writing",
    "education",
    "search",
    "jobs_work",
    "accuracy",
    "availability",
    "speed",
    "pricing",
    "api_plugins",
    "safety_ethics",
    "privacy",
    "creativity",
    "business_marketing",
]


def _cue_type(type_id, phrase):
    return {
        "id": type_id,
        "name": type_id.title(),
        "description": f"Says {phrase}.",
        "phrases": [phrase],
        "when": [{"cues": True}],
    }


# The smallest file that loads: the feedback types the marts and the dashboard need, and a fallback.
MINIMAL = {
    "version": 1,
    "feedback_types": {
        "priority": ["complaint", "suggestion", "question", "praise", "other"],
        "types": [
            {
                "id": "complaint",
                "name": "Complaint",
                "description": "A problem.",
                "phrases": ["at capacity"],
                "when": [{"cues": True}, {"sentiment": ["negative"], "has_aspect": True}],
            },
            _cue_type("praise", "amazing"),
            _cue_type("suggestion", "please add"),
            _cue_type("question", "how do i"),
            {"id": "other", "name": "Other", "description": "The rest."},
        ],
    },
    "aspects": [
        {"id": "availability", "name": "Availability", "description": "Outages.", "phrases": ["down"]}
    ],
    "spam": {
        "max_hashtags": 10,
        "max_mentions": 5,
        "repeated_text_min": 3,
        "young_account_days": 30,
        "young_account_min_tweets": 5000,
        "promo": {"phrases": ["giveaway*"]},
    },
}


def _write(tmp_path, data):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_shipped_taxonomy_loads_with_every_type_and_aspect(repo_root):
    taxonomy = load_taxonomy(repo_root / "conf" / "taxonomy.yaml")
    assert [item.id for item in taxonomy.feedback_types] == [
        "praise",
        "complaint",
        "suggestion",
        "question",
        "news_promo",
        "other",
    ]
    assert taxonomy.priority[-1] == taxonomy.fallback == "other"
    assert [aspect.id for aspect in taxonomy.aspects] == ASPECT_IDS
    for item in (*taxonomy.feedback_types, *taxonomy.aspects):
        assert item.name and item.description
    assert taxonomy.spam.max_hashtags == 10 and taxonomy.spam.repeated_text_min == 3


def test_a_minimal_taxonomy_loads(tmp_path):
    taxonomy = load_taxonomy(_write(tmp_path, MINIMAL))
    assert taxonomy.priority == ("complaint", "suggestion", "question", "praise", "other")
    complaint = taxonomy.feedback_type("complaint")
    assert complaint.when[1].sentiment == ("negative",) and complaint.when[1].has_aspect is True
    assert [key for key, _ in taxonomy.lexicons()] == [
        "feedback_types.types[0] (complaint)",
        "feedback_types.types[1] (praise)",
        "feedback_types.types[2] (suggestion)",
        "feedback_types.types[3] (question)",
        "aspects[0] (availability)",
        "spam.promo",
    ]


def test_the_reported_feedback_types_are_the_shipped_ones_and_rank_a_subset():
    assert REPORTED_FEEDBACK_TYPES == ("praise", "complaint", "suggestion", "question")
    assert TOP_FEEDBACK_TYPES == ("complaint", "suggestion")


def _without_type(data, type_id, *, renamed_to=None):
    types = data["feedback_types"]["types"]
    priority = data["feedback_types"]["priority"]
    index = next(i for i, item in enumerate(types) if item["id"] == type_id)
    if renamed_to:
        types[index]["id"] = renamed_to
        priority[priority.index(type_id)] = renamed_to
    else:
        del types[index]
        priority.remove(type_id)


@pytest.mark.parametrize("type_id", REPORTED_FEEDBACK_TYPES)
def test_a_taxonomy_without_a_reported_feedback_type_is_refused_naming_it_and_the_fix(tmp_path, type_id):
    path = _write(tmp_path, _broken(lambda d: _without_type(d, type_id)))
    with pytest.raises(ConfigError) as raised:
        load_taxonomy(path)
    assert str(raised.value) == (
        f"{path}: feedback_types.types is missing {type_id!r}, which the dashboard and the marts are built "
        "around; keep that id and change its name, description, cues and rules freely"
    )


def test_renaming_complaints_id_is_refused_before_the_priority_list_is_read(tmp_path):
    # The analyst renamed the id everywhere, as the file's ids invite: "Top complaints" would go empty.
    path = _write(tmp_path, _broken(lambda d: _without_type(d, "complaint", renamed_to="problem")))
    with pytest.raises(ConfigError, match=r"is missing 'complaint', which the dashboard and the marts"):
        load_taxonomy(path)


def test_every_missing_reported_type_is_named_in_one_sentence(tmp_path):
    def drop_three(data):
        for type_id in ("praise", "suggestion", "question"):
            _without_type(data, type_id)

    path = _write(tmp_path, _broken(drop_three))
    with pytest.raises(ConfigError) as raised:
        load_taxonomy(path)
    assert str(raised.value) == (
        f"{path}: feedback_types.types is missing 'praise', 'suggestion' and 'question', which the "
        "dashboard and the marts are built around; keep those ids and change their name, description, "
        "cues and rules freely"
    )


def test_types_beyond_the_reported_ones_may_be_added_and_the_fallback_renamed(tmp_path):
    def extend(data):
        data["feedback_types"]["types"].insert(4, _cue_type("bug_report", "bug"))
        data["feedback_types"]["priority"].insert(0, "bug_report")
        _without_type(data, "other", renamed_to="everything_else")

    taxonomy = load_taxonomy(_write(tmp_path, _broken(extend)))
    assert [item.id for item in taxonomy.feedback_types] == [
        "complaint",
        "praise",
        "suggestion",
        "question",
        "bug_report",
        "everything_else",
    ]
    assert taxonomy.fallback == "everything_else"


# (phrase, lowercased text, whether the phrase's lexicon pattern matches it)
PHRASE_CASES = [
    ("at capacity", "chatgpt is at   capacity!", True),
    ("at capacity", "that capacity", False),
    ("hallucinat*", "it keeps hallucinating sources", True),
    ("hallucinat*", "unhallucinated", False),
    ("coding", "#coding with #chatgpt", True),
    ("code", "codes", False),
    ("can't log in", "i can't log in", True),
    ("c++", "c++ help", True),
    ("$20", "it costs $20", True),
    # A boundary only on an edge that is a word character: an emoji matches glued to a word.
    ("🔥", "the power of chatgpt🔥", True),
    ("👇", "a thread👇", True),
    ("c++", "c++17 features", True),
    ("c++", "abc++", False),
    ("$20", "it costs $200", False),
    ("über", "rüber", False),
]


@pytest.mark.parametrize(("phrase", "text", "matches"), PHRASE_CASES)
def test_phrases_match_whole_words(phrase, text, matches):
    assert (re.search(Lexicon((phrase,), ()).pattern, text) is not None) is matches


@pytest.mark.spark
def test_phrases_match_whole_words_in_java_too(spark):
    # The pipeline's rlike runs each pattern with java.util.regex, which reads classes, lookarounds and
    # emoji (two UTF-16 units each) on its own terms: the same table, through Spark.
    rows = [(phrase, text, Lexicon((phrase,), ()).pattern) for phrase, text, _ in PHRASE_CASES]
    df = spark.createDataFrame(rows, "phrase string, text string, pattern string")
    matched = df.selectExpr("phrase", "text", "text rlike pattern").collect()
    assert [tuple(row) for row in matched] == PHRASE_CASES


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("the power of chatgpt🔥", True),
        ("chatgpt😡😡", True),
        ("this is amazing!", True),
        ("amazingly", False),
        ("hallucinations", True),
        ("unhallucinated", False),
    ],
)
def test_a_lexicon_bounds_only_the_word_edges_of_its_phrases(text, matches):
    pattern = Lexicon(("amazing", "🔥", "😡", "hallucinat*"), ()).pattern
    assert (re.search(pattern, text) is not None) is matches


def test_a_lexicon_joins_phrases_and_regexes_into_one_alternation():
    pattern = Lexicon(("please add", "feature request*"), (r"wish (it|openai) (had|could)",)).pattern
    assert re.search(pattern, "feature requests: dark mode")
    assert re.search(pattern, "i wish openai could remember")
    assert not re.search(pattern, "please, adding more")


BEFORE_WORD = "(?<![a-z0-9_])"


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("via @openai", True),
        ("trivia @openai", False),
        ("top 10 tools", True),
        ("laptop 3", False),
        ("stop", False),
        ("rock bottom", True),
        ("rockbottom", True),  # the lookbehind of "(?<!..)top|bottom" is on "top" only
        ("amazing🔥", True),
        ("amazingly", False),
    ],
)
def test_regexes_starting_at_a_word_share_the_lexicons_one_lookbehind(text, matches):
    lexicon = Lexicon(
        ("amazing", "🔥"),
        (f"{BEFORE_WORD}via @", f"{BEFORE_WORD}top \\d+(?![a-z0-9_])", f"{BEFORE_WORD}top|bottom"),
    )
    # Tested once per character for the phrases and the first two regexes, not once for each of them.
    assert lexicon.pattern.count(BEFORE_WORD) == 2
    assert (re.search(lexicon.pattern, text) is not None) is matches


def _broken(mutate):
    data = copy.deepcopy(MINIMAL)
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["aspects"][0].update(phrase=["x"]),
            "unknown key 'phrase' in aspects[0]; did you mean phrases?",
        ),
        (lambda d: d.update(aspect=[]), "unknown key 'aspect'; did you mean aspects?"),
        (
            lambda d: d["aspects"][0].update(phrases=[]),
            "aspects[0] (availability) has an empty lexicon; add at least one phrase or regex",
        ),
        (
            lambda d: d["aspects"][0].update(regexes=["down (again"]),
            "aspects[0] (availability).regexes[0] 'down (again' is not a valid regular expression",
        ),
        (
            lambda d: d["aspects"][0].update(regexes=["(?P<x>down)"]),
            "uses a Python-only (?P...) group",
        ),
        (lambda d: d["aspects"][0].update(regexes=["x*"]), "matches empty text"),
        (lambda d: d["aspects"][0].update(regexes=[r"\b"]), "'\\\\b' matches empty text"),
        (lambda d: d["aspects"][0].update(regexes=[r"(?<![a-z])"]), "matches empty text"),
        # Python's re compiles these; Java refuses them, or they can never match lowercased text.
        (
            lambda d: d["aspects"][0].update(regexes=["{free}"]),
            "aspects[0] (availability).regexes[0] '{free}' has a { that is not a repetition like {2}",
        ),
        (
            lambda d: d["aspects"][0].update(regexes=["price: {"]),
            "'price: {' has a { that is not a repetition",
        ),
        (lambda d: d["aspects"][0].update(regexes=["a{,3}"]), "'a{,3}' has a { that is not a repetition"),
        (lambda d: d["aspects"][0].update(regexes=["(?#why)down"]), "uses a (?#...) comment"),
        (lambda d: d["aspects"][0].update(regexes=["(a)?(?(1)b|c)"]), "uses a (?(...)...) conditional"),
        (lambda d: d["aspects"][0].update(regexes=[r"(down)\1"]), "uses the backreference \\1"),
        (
            lambda d: d["aspects"][0].update(regexes=["ChatGPT down"]),
            "'ChatGPT down' has the upper-case letter 'C', but tweets are matched lowercased",
        ),
        (lambda d: d["aspects"][0].update(regexes=["[A-Z]+ down"]), "has the upper-case letter 'A'"),
        (
            lambda d: d["aspects"][0].update(phrases=["do*wn"]),
            "aspects[0] (availability).phrases[0] is 'do*wn'; a phrase is words, with * only at the end",
        ),
        (lambda d: d["aspects"].append(dict(d["aspects"][0])), "aspects has the id 'availability' twice"),
        (
            lambda d: d["aspects"][0].update(id="Availability"),
            "aspects[0].id is 'Availability'; ids are snake_case",
        ),
        (
            lambda d: d["feedback_types"]["priority"].remove("complaint"),
            "feedback_types.priority is missing 'complaint'; list every feedback type once",
        ),
        (
            lambda d: d["feedback_types"]["priority"].insert(0, "news_promo"),
            "feedback_types.priority names 'news_promo', which is not in feedback_types.types",
        ),
        (
            lambda d: d["feedback_types"]["priority"].reverse(),
            "feedback_types.types (other).when is empty; only the fallback type",
        ),
        (
            lambda d: d["feedback_types"]["types"][-1].update(when=[{"has_link": True}]),
            "feedback_types.types (other).when must be empty",
        ),
        (
            lambda d: d["feedback_types"]["types"][0]["when"].append({"sentiment": ["angry"]}),
            "feedback_types.types[0] (complaint).when[2].sentiment has 'angry'",
        ),
        (
            lambda d: d["feedback_types"]["types"][0]["when"].append({"cues": "yes"}),
            "when[2].cues is 'yes'; use true or false",
        ),
        (
            lambda d: d["feedback_types"]["types"][0].pop("phrases"),
            "when[0].cues is set, but this type has no phrases or regexes",
        ),
        (lambda d: d["feedback_types"]["types"][0]["when"].append({}), "when[2] is empty"),
        (
            lambda d: d["spam"].update(repeated_text_min=1),
            "spam.repeated_text_min is 1; use a whole number of at least 2",
        ),
        (lambda d: d["spam"].pop("max_mentions"), "spam is missing 'max_mentions'; add it"),
        (lambda d: d["spam"]["promo"].update(phrases=[]), "spam.promo has an empty lexicon"),
        (lambda d: d.update(version=2), "version is 2; this release reads version 1"),
    ],
)
def test_every_mistake_is_one_sentence_naming_file_and_key(tmp_path, mutate, message):
    path = _write(tmp_path, _broken(mutate))
    with pytest.raises(ConfigError) as raised:
        load_taxonomy(path)
    text = str(raised.value)
    assert text.startswith(f"{path}: ")
    assert message in text
    assert "\n" not in text


@pytest.mark.parametrize(
    "regex",
    [
        r"\S+ \W \d\D \p{Lu} \pL \P{IsAlphabetic} \x4A \u00C9 \N{DIGIT ONE} \cM",
        r"x{2} y{2,} z{1,3} [{}] \{free\}",
        r"[]a] [^]a] \(?#x\)",
        r"(?<![a-z0-9_])(down|dead)(?![a-z0-9_])",
    ],
)
def test_escapes_classes_and_repetitions_java_reads_alike_pass(regex):
    assert java_problem(regex) is None


def test_a_regex_with_java_unicode_classes_loads(tmp_path):
    path = _write(tmp_path, _broken(lambda d: d["aspects"][0].update(regexes=[r"\p{L}+ is down"])))
    assert load_taxonomy(path).aspects[0].lexicon.regexes == (r"\p{L}+ is down",)


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("is chatgpt down", True),
        ("chatgpt down?", True),
        ("chatgpt is down rn", True),
        ("openai down again", True),
        ("is #chatgpt  actually down? or is it just me", True),
        ("chat gpt is still down.", True),
        ("has #chatgpt gone down?", True),
        ("existential boredom due to #chatgpt being down", True),
        ("#chatgpt down 🥴", True),
        ("@openai #chatgpt down", True),
        ("#chatgpt down. my only friend", True),
        ("it's still down", True),
        ("downloading chatgpt now", False),
        ("chatgpt is down to earth", False),
        ("calm down, chatgpt", False),
        ("he broke it down nicely", False),
        ("chatgpt down-ranked in the store", False),
        ("it's down to you", False),
        ("how to break chatgpt down into steps", False),
        ("#chatgpt down the road", False),
        ("we should shut chatgpt down now", False),
    ],
)
def test_availability_reads_chatgpt_down_asked_or_stated(shipped_taxonomy, text, matches):
    availability = next(aspect for aspect in shipped_taxonomy.aspects if aspect.id == "availability")
    assert (re.search(availability.lexicon.pattern, text) is not None) is matches


def test_the_shipped_regexes_have_no_java_problem(shipped_taxonomy):
    lexicons = shipped_taxonomy.lexicons()
    assert [
        (key, regex) for key, lexicon in lexicons for regex in lexicon.regexes if java_problem(regex)
    ] == []


@pytest.mark.spark
def test_java_compiles_every_pattern_of_the_shipped_taxonomy(spark, shipped_taxonomy):
    check_with_java(shipped_taxonomy, spark)


@pytest.mark.spark
def test_what_only_java_refuses_is_one_sentence_naming_file_and_key(spark, tmp_path):
    # (?a) is Python's ASCII flag and an unknown inline modifier to Java.
    path = _write(tmp_path, _broken(lambda d: d["spam"]["promo"].update(regexes=["x", "(?a)free money"])))
    taxonomy = load_taxonomy(path)
    with pytest.raises(ConfigError) as raised:
        check_with_java(taxonomy, spark)
    assert str(raised.value) == (
        f"{path}: spam.promo.regexes[1] '(?a)free money' is not a valid Java regular expression "
        "(Unknown inline modifier near index 2); fix or escape it"
    )


def test_unreadable_files_are_named(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_taxonomy(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("aspects: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.yaml line \d+ is not valid YAML"):
        load_taxonomy(bad)
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("version: 1\n# café\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1\.yaml line 2 is not UTF-8 text; save the file as UTF-8$"):
        load_taxonomy(latin1)
    with pytest.raises(ConfigError, match=r"is a directory; point taxonomy_file at the YAML file$"):
        load_taxonomy(tmp_path)
    with pytest.raises(ConfigError, match=r"cannot be read \(Not a directory\)"):
        load_taxonomy(latin1 / "taxonomy.yaml")
