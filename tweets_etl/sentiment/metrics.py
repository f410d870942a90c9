"""Classification metrics for sentiment evaluation: TweetEval's macro-averaged recall and friends.

Pure Python over label sequences, so eval-sentiment needs neither Spark nor numpy.
"""

from __future__ import annotations

from typing import Dict, List, Sequence


def confusion_matrix(
    gold: Sequence[str], predicted: Sequence[str], classes: Sequence[str]
) -> List[List[int]]:
    """``matrix[i][j]`` counts items of gold class ``classes[i]`` predicted as ``classes[j]``."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    index = {name: position for position, name in enumerate(classes)}
    matrix = [[0] * len(classes) for _ in classes]
    for truth, guess in zip(gold, predicted):
        for kind, name in (("gold label", truth), ("prediction", guess)):
            if name not in index:
                raise ValueError(f"{kind} {name!r} is not one of {list(classes)}")
        matrix[index[truth]][index[guess]] += 1
    return matrix


def recall_per_class(matrix: List[List[int]], classes: Sequence[str]) -> Dict[str, float]:
    """Recall of each class: correct / gold items of that class (0.0 for a class with no gold items)."""
    recalls = {}
    for position, name in enumerate(classes):
        support = sum(matrix[position])
        recalls[name] = matrix[position][position] / support if support else 0.0
    return recalls


def macro_recall(matrix: List[List[int]], classes: Sequence[str]) -> float:
    """The unweighted mean of per-class recalls (TweetEval's official sentiment metric)."""
    recalls = recall_per_class(matrix, classes)
    return sum(recalls.values()) / len(recalls)


def accuracy(matrix: List[List[int]], classes: Sequence[str]) -> float:
    """Share of items whose prediction equals the gold class."""
    total = sum(sum(row) for row in matrix)
    return sum(matrix[position][position] for position in range(len(classes))) / total if total else 0.0
