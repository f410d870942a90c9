"""Threshold calibration and the lever report behind the shipped sentiment thresholds."""

from __future__ import annotations

import json

from tweets_etl.sentiment import calibrate
from tweets_etl.sentiment.base import SentimentScore, Thresholds
from tweets_etl.sentiment.vader import LEVERS


def _score(compound):
    return SentimentScore(compound, 0.0, 1.0, 0.0)


def test_best_thresholds_pick_the_narrowest_perfect_band():
    gold = ["positive", "neutral", "negative", "neutral"]
    scores = [_score(0.5), _score(0.2), _score(-0.1), None]  # None is unscored, counted as neutral
    thresholds, recall = calibrate.best_thresholds(scores, gold)
    # Any positive threshold in (0.2, 0.5] and negative one in [-0.1, 0) is perfect; ties go narrowest.
    assert recall == 1.0
    assert thresholds == Thresholds(0.25, -0.05)


def test_calibrate_reports_levers_folds_and_shipped_thresholds(tmp_path, capsys):
    texts = ["I love it", "I hate it", "It is a tool", "great:)", "so bad", "meh, fine", "awful!!", "nice"]
    gold = ["positive", "negative", "neutral", "positive", "negative", "neutral", "negative", "positive"]
    (tmp_path / "t.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    (tmp_path / "l.txt").write_text("\n".join(gold) + "\n", encoding="utf-8")
    assert calibrate.main(["--texts", str(tmp_path / "t.txt"), "--labels", str(tmp_path / "l.txt")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 8
    assert [row["step"] for row in report["levers"]][2:] == [f"+ {lever}" for lever in LEVERS]
    assert set(report["cross_validation"]) == {"halves", "plain-vader", "vader"}
    assert [row["without"] for row in report["leave_one_out"]] == [None, *LEVERS]
    assert report["full_set"]["shipped"]["thresholds"] == {
        "positive_at_least": 0.4,
        "negative_at_most": -0.05,
    }
