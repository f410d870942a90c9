"""Evaluate a scorer on labelled tweets: TweetEval's files in, metrics out (no Spark).

File format (TweetEval's): ``--texts`` holds one tweet per line, ``--labels`` one gold label per line
aligned with it, either class names (``negative``/``neutral``/``positive``) or ids that ``--mapping``
translates (lines ``0<TAB>negative``; without a mapping TweetEval's own 0/1/2 is assumed).

An *unscored* prediction (a tweet with nothing to score) counts as neutral for the metrics, since
the benchmark has three classes; how many there were is reported as ``unscored``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tweets_etl.errors import InputError
from tweets_etl.sentiment import metrics
from tweets_etl.sentiment.base import UNSCORED, Scorer, SentimentScore, Thresholds, label

CLASSES = ("negative", "neutral", "positive")
TWEETEVAL_MAPPING = {"0": "negative", "1": "neutral", "2": "positive"}


def read_lines(path: Path, what: str) -> List[str]:
    """Lines of a UTF-8 file, split on newlines only (a tweet may hold other line separators)."""
    try:
        content = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} file {path} does not exist") from None
    except UnicodeDecodeError:
        raise InputError(f"{what} file {path} is not UTF-8 text") from None
    except OSError as error:
        raise InputError(f"cannot read {what} file {path}: {error.strerror or error}") from None
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def read_mapping(path: Optional[Path]) -> Dict[str, str]:
    """Label id -> class name from lines like ``0<TAB>negative``; TweetEval's 0/1/2 without a file."""
    if path is None:
        return dict(TWEETEVAL_MAPPING)
    mapping = {}
    for number, line in enumerate(read_lines(path, "mapping"), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2 or parts[1].lower() not in CLASSES:
            raise InputError(
                f"mapping file {path} line {number} is {line!r}; each line must be an id and one of "
                f"{', '.join(CLASSES)} (e.g. '0<TAB>negative')"
            )
        mapping[parts[0]] = parts[1].lower()
    return mapping


def read_labelled(
    texts_path: Path, labels_path: Path, mapping_path: Optional[Path] = None
) -> Tuple[List[str], List[str]]:
    """Texts and their gold class names, checked to be aligned line by line."""
    texts = read_lines(texts_path, "texts")
    raw_labels = [line.strip() for line in read_lines(labels_path, "labels")]
    if len(texts) != len(raw_labels):
        raise InputError(
            f"{texts_path} has {len(texts)} lines but {labels_path} has {len(raw_labels)}; "
            "they must be aligned, one label per tweet"
        )
    mapping = read_mapping(mapping_path)
    gold = []
    for number, raw in enumerate(raw_labels, start=1):
        name = raw.lower() if raw.lower() in CLASSES else mapping.get(raw)
        if name is None:
            raise InputError(
                f"{labels_path} line {number} has label {raw!r}, which is neither a class name nor an id "
                f"in the mapping ({', '.join(sorted(mapping))}); pass --mapping FILE"
            )
        gold.append(name)
    return texts, gold


def predict(scores: Sequence[Optional[SentimentScore]], thresholds: Thresholds) -> List[str]:
    """Class names for the metrics: the label at ``thresholds``, with unscored counted as neutral."""
    labels = [label(None if score is None else score.compound, thresholds) for score in scores]
    return ["neutral" if name == UNSCORED else name for name in labels]


def summarize(gold: Sequence[str], predicted: Sequence[str]) -> Dict[str, Any]:
    """Macro recall, per-class recall, accuracy and the confusion matrix (rows gold, columns predicted)."""
    matrix = metrics.confusion_matrix(gold, predicted, CLASSES)
    return {
        "macro_recall": round(metrics.macro_recall(matrix, CLASSES), 4),
        "recall": {
            name: round(value, 4) for name, value in metrics.recall_per_class(matrix, CLASSES).items()
        },
        "accuracy": round(metrics.accuracy(matrix, CLASSES), 4),
        "confusion_matrix": {
            "classes": list(CLASSES),
            "rows": "gold",
            "columns": "predicted",
            "counts": matrix,
        },
        "n": len(gold),
    }


def evaluate(
    scorer: Scorer, texts: Sequence[str], gold: Sequence[str], thresholds: Optional[Thresholds] = None
) -> Dict[str, Any]:
    """Score ``texts`` with ``scorer`` and compare with ``gold``; timing includes the scorer's warm-up."""
    thresholds = thresholds or scorer.thresholds
    started = time.perf_counter()
    scores = scorer.score_many(texts)
    seconds = time.perf_counter() - started
    result = {"scorer": scorer.name, **summarize(gold, predict(scores, thresholds))}
    result["unscored"] = sum(score is None for score in scores)
    result["thresholds"] = {
        "positive_at_least": thresholds.positive_at_least,
        "negative_at_most": thresholds.negative_at_most,
    }
    result["seconds"] = round(seconds, 3)
    result["tweets_per_second"] = round(len(texts) / seconds, 1) if seconds > 0 else None
    return result
