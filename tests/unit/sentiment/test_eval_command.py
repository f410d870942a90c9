"""`tweets-etl eval-sentiment`: numbers from a tiny hand-worked file set, and the real TweetEval split."""

from __future__ import annotations

import json

import pytest

from tweets_etl import cli

# Texts whose scores are unambiguous, with gold labels chosen so the matrix has misses in it.
TINY = [
    ("I love it, wonderful!", "positive"),  # predicted positive
    ("Terrible, I hate it", "negative"),  # negative
    ("The meeting is at noon", "neutral"),  # neutral
    ("I hate mondays", "positive"),  # negative: a miss
    ("What a great day", "neutral"),  # positive: a miss
    ("@someone https://t.co/x", "neutral"),  # unscored, counted as neutral
    ("This is awful", "negative"),  # negative
]
# Rows gold, columns predicted (negative, neutral, positive), worked out by hand from the comments.
EXPECTED_MATRIX = [[2, 0, 0], [0, 2, 1], [1, 0, 1]]


def _run(capsys, repo_root, tmp_path, *args):
    code = cli.main(
        ["eval-sentiment", "--conf-dir", str(repo_root / "conf"), "--var-dir", str(tmp_path / "var"), *args]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def tiny_files(tmp_path):
    texts = tmp_path / "texts.txt"
    labels = tmp_path / "labels.txt"
    mapping = tmp_path / "mapping.txt"
    ids = {"negative": "n", "neutral": "z", "positive": "p"}
    texts.write_text("".join(f"{text}\n" for text, _ in TINY), encoding="utf-8")
    labels.write_text("".join(f"{ids[gold]}\n" for _, gold in TINY), encoding="utf-8")
    mapping.write_text("n\tnegative\nz\tneutral\np\tpositive\n", encoding="utf-8")
    return texts, labels, mapping


@pytest.mark.parametrize("scorer", ["vader", "plain-vader"])
def test_eval_numbers_match_the_hand_computed_confusion_matrix(
    capsys, repo_root, tmp_path, tiny_files, scorer
):
    texts, labels, mapping = tiny_files
    files = ["--texts", str(texts), "--labels", str(labels), "--mapping", str(mapping)]
    code, out, _ = _run(capsys, repo_root, tmp_path, *files, "--scorer", scorer)
    assert code == 0
    result = json.loads(out)
    assert result["confusion_matrix"]["counts"] == EXPECTED_MATRIX
    assert result["recall"] == {"negative": 1.0, "neutral": round(2 / 3, 4), "positive": 0.5}
    assert result["macro_recall"] == round((1.0 + 2 / 3 + 0.5) / 3, 4)
    assert result["accuracy"] == round(5 / 7, 4)
    assert result["n"] == 7
    assert result["scorer"] == scorer
    assert result["tweets_per_second"] > 0
    assert result["unscored"] == (1 if scorer == "vader" else 0)


def test_labels_may_be_class_names_without_a_mapping(capsys, repo_root, tmp_path):
    texts = tmp_path / "t.txt"
    labels = tmp_path / "l.txt"
    texts.write_text("I love it\nI hate it\n", encoding="utf-8")
    labels.write_text("positive\nnegative\n", encoding="utf-8")
    code, out, _ = _run(capsys, repo_root, tmp_path, "--texts", str(texts), "--labels", str(labels))
    assert code == 0
    assert json.loads(out)["confusion_matrix"]["counts"] == [[1, 0, 0], [0, 0, 0], [0, 0, 1]]


@pytest.mark.parametrize(
    ("labels_text", "message"),
    [
        ("p\n", "has 2 lines but"),
        ("p\nq\n", "line 2 has label 'q'"),
    ],
)
def test_bad_label_files_give_one_sentence_and_exit_1(
    capsys, repo_root, tmp_path, tiny_files, labels_text, message
):
    texts, _, mapping = tiny_files
    texts.write_text("one\ntwo\n", encoding="utf-8")
    labels = tmp_path / "bad.txt"
    labels.write_text(labels_text, encoding="utf-8")
    code, out, err = _run(
        capsys, repo_root, tmp_path, "--texts", str(texts), "--labels", str(labels), "--mapping", str(mapping)
    )
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_a_missing_texts_file_is_named(capsys, repo_root, tmp_path):
    code, _, err = _run(capsys, repo_root, tmp_path, "--texts", str(tmp_path / "nope.txt"), "--labels", "x")
    assert code == 1
    assert "nope.txt does not exist" in err


def test_tweet_aware_vader_beats_plain_vader_on_tweeteval(capsys, repo_root, tmp_path, shared_data):
    folder = shared_data / "tweeteval_sentiment_val"
    files = ["--texts", str(folder / "val_text.txt"), "--labels", str(folder / "val_labels.txt")]
    files += ["--mapping", str(folder / "mapping.txt")]
    results = {}
    for scorer in ("plain-vader", "vader"):
        code, out, _ = _run(capsys, repo_root, tmp_path, *files, "--scorer", scorer)
        assert code == 0
        results[scorer] = json.loads(out)
    assert results["plain-vader"]["n"] == results["vader"]["n"] == 2000
    assert results["plain-vader"]["macro_recall"] == pytest.approx(
        0.5977, abs=0.0005
    )  # the published baseline
    assert results["vader"]["macro_recall"] > results["plain-vader"]["macro_recall"] + 0.02
