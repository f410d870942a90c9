"""Macro recall, per-class recall, accuracy and the confusion matrix, against hand-worked numbers."""

from __future__ import annotations

import pytest

from tweets_etl.sentiment import metrics

CLASSES = ("negative", "neutral", "positive")


def test_metrics_match_a_hand_computed_confusion_matrix():
    gold = ["negative", "negative", "neutral", "neutral", "neutral", "positive", "positive", "positive"]
    predicted = ["negative", "neutral", "neutral", "positive", "neutral", "positive", "negative", "positive"]
    matrix = metrics.confusion_matrix(gold, predicted, CLASSES)
    assert matrix == [[1, 1, 0], [0, 2, 1], [1, 0, 2]]
    assert metrics.recall_per_class(matrix, CLASSES) == pytest.approx(
        {"negative": 1 / 2, "neutral": 2 / 3, "positive": 2 / 3}
    )
    assert metrics.macro_recall(matrix, CLASSES) == pytest.approx((1 / 2 + 2 / 3 + 2 / 3) / 3)
    assert metrics.accuracy(matrix, CLASSES) == pytest.approx(5 / 8)


def test_a_class_without_gold_items_has_recall_zero_and_still_counts_in_the_mean():
    matrix = metrics.confusion_matrix(["positive"], ["positive"], CLASSES)
    assert metrics.recall_per_class(matrix, CLASSES) == {"negative": 0.0, "neutral": 0.0, "positive": 1.0}
    assert metrics.macro_recall(matrix, CLASSES) == pytest.approx(1 / 3)


def test_unknown_labels_and_misaligned_inputs_are_refused():
    with pytest.raises(ValueError, match="gold label 'mixed'"):
        metrics.confusion_matrix(["mixed"], ["neutral"], CLASSES)
    with pytest.raises(ValueError, match="prediction 'unscored'"):
        metrics.confusion_matrix(["neutral"], ["unscored"], CLASSES)
    with pytest.raises(ValueError, match="2 gold labels but 1 predictions"):
        metrics.confusion_matrix(["neutral", "neutral"], ["neutral"], CLASSES)
