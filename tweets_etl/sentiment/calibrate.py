"""How the default scorer was tuned, reproducibly: what each lever buys, and cross-validated thresholds.

    python -m tweets_etl.sentiment.calibrate --texts val_text.txt --labels val_labels.txt

prints JSON with

- ``levers``: macro recall of plain VADER, then with each tweet-aware step of
  :class:`~tweets_etl.sentiment.vader.TweetOptions` switched on in turn (cumulative, at VADER's own
  +-0.05), with the gain each one added;
- ``cross_validation``: 2-fold threshold calibration. The set is cut in two halves (first and second
  half of the file); thresholds are chosen on one half by grid search (0.05 steps, the neutral band
  may be asymmetric) and scored on the other, for plain VADER and for the tweet-aware scorer, so the
  held-out numbers show what calibration buys on data it has not seen;
- ``full_set``: the thresholds the grid picks on the whole set (what ``base.py`` ships) and the macro
  recall of the shipped configuration;
- ``leave_one_out``: at the shipped thresholds, what the macro recall would be with each lever off.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tweets_etl.sentiment.base import PLAIN_VADER_THRESHOLDS, Scorer, SentimentScore, Thresholds
from tweets_etl.sentiment.evaluate import predict, read_labelled, summarize
from tweets_etl.sentiment.vader import LEVERS, PlainVaderScorer, VaderScorer, with_levers

GRID = tuple(round(step * 0.05, 2) for step in range(1, 16))  # 0.05 (VADER's own) .. 0.75


def macro_recall(
    scores: Sequence[Optional[SentimentScore]], gold: Sequence[str], thresholds: Thresholds
) -> float:
    return summarize(gold, predict(scores, thresholds))["macro_recall"]


def best_thresholds(
    scores: Sequence[Optional[SentimentScore]], gold: Sequence[str]
) -> Tuple[Thresholds, float]:
    """The grid point with the highest macro recall; ties go to the narrowest neutral band (closest to
    VADER's published +-0.05), so calibration moves away from the default only when it pays."""
    best: Optional[Tuple[float, float, Thresholds]] = None
    for positive in GRID:
        for negative in GRID:
            thresholds = Thresholds(positive, -negative)
            recall = macro_recall(scores, gold, thresholds)
            candidate = (recall, -(positive + negative), thresholds)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    assert best is not None
    return best[2], best[0]


def lever_table(texts: Sequence[str], gold: Sequence[str]) -> List[Dict[str, Any]]:
    """Plain VADER, then each lever switched on cumulatively, all at +-0.05."""
    rows = []
    previous = macro_recall(PlainVaderScorer().score_many(texts), gold, PLAIN_VADER_THRESHOLDS)
    rows.append({"step": "plain VADER (+-0.05)", "macro_recall": previous, "gain": None})
    enabled: List[str] = []
    for lever in ("prepare", *LEVERS):
        if lever != "prepare":
            enabled.append(lever)
        recall = macro_recall(with_levers(enabled).score_many(texts), gold, PLAIN_VADER_THRESHOLDS)
        step = "+ tweet preparation (@user, http)" if lever == "prepare" else f"+ {lever}"
        rows.append({"step": step, "macro_recall": recall, "gain": round(recall - previous, 4)})
        previous = recall
    return rows


def cross_validation(texts: Sequence[str], gold: Sequence[str]) -> Dict[str, Any]:
    """Calibrate on one half, score on the other, both ways, for plain and tweet-aware VADER."""
    middle = len(texts) // 2
    halves = {"A": (0, middle), "B": (middle, len(texts))}
    scorers: Dict[str, Scorer] = {"plain-vader": PlainVaderScorer(), "vader": VaderScorer()}
    result: Dict[str, Any] = {"halves": {name: f"lines {lo + 1}-{hi}" for name, (lo, hi) in halves.items()}}
    for name, scorer in scorers.items():
        scores = scorer.score_many(texts)
        folds = {}
        for fit, held_out in (("A", "B"), ("B", "A")):
            fit_lo, fit_hi = halves[fit]
            out_lo, out_hi = halves[held_out]
            thresholds, fitted = best_thresholds(scores[fit_lo:fit_hi], gold[fit_lo:fit_hi])
            folds[f"fit_{fit}_test_{held_out}"] = {
                "thresholds": _thresholds_json(thresholds),
                "fit_macro_recall": fitted,
                "held_out_macro_recall": macro_recall(scores[out_lo:out_hi], gold[out_lo:out_hi], thresholds),
                "held_out_at_0.05": macro_recall(
                    scores[out_lo:out_hi], gold[out_lo:out_hi], PLAIN_VADER_THRESHOLDS
                ),
            }
        result[name] = folds
    return result


def full_set(texts: Sequence[str], gold: Sequence[str]) -> Dict[str, Any]:
    scorer = VaderScorer()
    scores = scorer.score_many(texts)
    thresholds, recall = best_thresholds(scores, gold)
    return {
        "grid_best": {"thresholds": _thresholds_json(thresholds), "macro_recall": recall},
        "shipped": {
            "thresholds": _thresholds_json(scorer.thresholds),
            "macro_recall": macro_recall(scores, gold, scorer.thresholds),
        },
    }


def leave_one_out(texts: Sequence[str], gold: Sequence[str]) -> List[Dict[str, Any]]:
    """The shipped scorer with one lever off at a time, against the shipped scorer."""
    shipped = VaderScorer()
    everything = macro_recall(shipped.score_many(texts), gold, shipped.thresholds)
    rows = [{"without": None, "macro_recall": everything, "lever_buys": None}]
    for lever in LEVERS:
        scorer = with_levers([other for other in LEVERS if other != lever], shipped.thresholds)
        recall = macro_recall(scorer.score_many(texts), gold, shipped.thresholds)
        rows.append({"without": lever, "macro_recall": recall, "lever_buys": round(everything - recall, 4)})
    return rows


def _thresholds_json(thresholds: Thresholds) -> Dict[str, float]:
    return {
        "positive_at_least": round(thresholds.positive_at_least, 2),
        "negative_at_most": round(thresholds.negative_at_most, 2),
    }


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweets_etl.sentiment.calibrate", description=__doc__)
    parser.add_argument("--texts", required=True, type=Path)
    parser.add_argument("--labels", required=True, type=Path)
    parser.add_argument("--mapping", type=Path)
    args = parser.parse_args(argv)
    texts, gold = read_labelled(args.texts, args.labels, args.mapping)
    report = {
        "n": len(texts),
        "levers": lever_table(texts, gold),
        "cross_validation": cross_validation(texts, gold),
        "full_set": full_set(texts, gold),
        "leave_one_out": leave_one_out(texts, gold),
    }
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
