"""The optional transformer backend: cardiffnlp/twitter-roberta-base-sentiment from local weights.

For clusters that have the weights (``sentiment.backend: transformer``, ``sentiment.model_path``).
Nothing here is imported unless that backend is chosen, and torch/transformers are imported only
when the first text is scored, so the default install never needs them.

- Weights come from a local folder (what ``save_pretrained`` writes: ``config.json``, tokenizer files,
  weights) or from an HDFS path, copied once per machine to a local temporary folder with
  ``hdfs dfs -get`` (Python workers on one executor share the copy).
- The model is loaded once per process (executors reuse their Python workers) and scores texts in
  batches of ``batch_size``; texts are sorted by length first so each batch pads little.
- Scores: the softmax probabilities are the negative/neutral/positive proportions, and the compound
  is ``p(positive) - p(negative)``.
- Labels and bands use this backend's own thresholds
  (:data:`~tweets_etl.sentiment.base.TRANSFORMER_THRESHOLDS`), not VADER's: positive at +0.50 or more,
  negative at -0.50 or less, very_* beyond +-0.80. A compound of +0.50 means p(positive) >= 0.50, so
  positive is the model's most likely class: a label is only given where the model itself would give
  it. VADER's calibrated +0.40/-0.05 would call a tweet negative at (neg 0.10, neu 0.85, pos 0.05), one
  the model is 85% sure is neutral. These thresholds are not calibrated on TweetEval, because the
  weights could not be downloaded where this was written; measure them with
  ``eval-sentiment --scorer transformer`` where the weights are.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence, Tuple

from tweets_etl.errors import ConfigError, first_line
from tweets_etl.sentiment.base import TRANSFORMER_THRESHOLDS, Scorer, SentimentScore
from tweets_etl.sentiment.prepare import has_content, prepare_text

REMOTE_SCHEMES = ("hdfs://", "viewfs://", "webhdfs://", "s3a://", "abfs://", "abfss://", "gs://")
# Label order of cardiffnlp/twitter-roberta-base-sentiment (LABEL_0..2); newer checkpoints name them.
_DEFAULT_ORDER = ("negative", "neutral", "positive")
_MAX_TOKENS = 128  # tweets are at most 280 characters; 128 sub-word tokens cover nearly all of them


class TransformerScorer(Scorer):
    """Scores prepared tweet texts with a sequence-classification model (3 sentiment classes)."""

    name = "transformer"
    thresholds = TRANSFORMER_THRESHOLDS

    def __init__(self, model_path: Optional[str], batch_size: int = 64) -> None:
        if not model_path:
            raise ConfigError(
                "sentiment.backend is transformer but sentiment.model_path is not set; point it at a local "
                "or HDFS folder with the cardiffnlp/twitter-roberta-base-sentiment weights, or use vader"
            )
        if batch_size < 1:
            raise ConfigError(f"sentiment.batch_size is {batch_size}; it must be at least 1")
        self.model_path = model_path
        self.batch_size = batch_size

    def check_installed(self) -> None:
        """Fail now, with one sentence, if torch/transformers or local weights are missing.

        Cheap enough for the Spark driver: imports the libraries and looks for ``config.json``; a remote
        path is only checked when an executor copies it."""
        _import_libraries()
        if not self.model_path.startswith(REMOTE_SCHEMES):
            local_model_folder(self.model_path)

    def score_many(self, texts: Sequence[Optional[str]]) -> List[Optional[SentimentScore]]:
        prepared = [None if text is None else prepare_text(text) for text in texts]
        if not any(text is not None and has_content(text) for text in prepared):
            return [None] * len(texts)
        return score_in_batches(prepared, _load_model(self.model_path).predict, self.batch_size)


Probabilities = Tuple[float, float, float]


def score_in_batches(
    prepared: Sequence[Optional[str]],
    predict: Callable[[List[str]], List[Probabilities]],
    batch_size: int,
) -> List[Optional[SentimentScore]]:
    """Score prepared texts ``batch_size`` at a time with ``predict`` (texts -> (neg, neu, pos) each).

    Texts with nothing to score get None and never reach ``predict``. The rest are sorted by length so
    each batch pads little; every result is written back at its text's original position.
    """
    todo = [index for index, text in enumerate(prepared) if text is not None and has_content(text)]
    todo.sort(key=lambda index: len(prepared[index]))
    results: List[Optional[SentimentScore]] = [None] * len(prepared)
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        probabilities = predict([prepared[index] for index in batch])
        if len(probabilities) != len(batch):
            raise RuntimeError(f"the model returned {len(probabilities)} results for {len(batch)} texts")
        for index, (negative, neutral, positive) in zip(batch, probabilities):
            results[index] = SentimentScore(round(positive - negative, 4), positive, neutral, negative)
    return results


class _LoadedModel:
    """Tokenizer + model in eval mode, and the positions of the negative/neutral/positive logits."""

    def __init__(self, folder: Path) -> None:
        torch, transformers = _import_libraries()
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            self.model = transformers.AutoModelForSequenceClassification.from_pretrained(
                str(folder), local_files_only=True
            )
        except (OSError, ValueError) as error:
            raise ConfigError(
                f"sentiment.model_path {folder} does not hold a loadable model "
                f"({first_line(error, limit=200)}); save it with save_pretrained() and point model_path at "
                "that folder"
            ) from None
        self.model.eval()
        self.torch = torch
        self.order = _class_positions(getattr(self.model.config, "id2label", {}) or {})

    def predict(self, texts: List[str]) -> List[Probabilities]:
        """(negative, neutral, positive) probabilities for each text, in order."""
        encoded = self.tokenizer(
            texts, padding=True, truncation=True, max_length=_MAX_TOKENS, return_tensors="pt"
        )
        with self.torch.no_grad():
            logits = self.model(**encoded).logits
        probabilities = self.torch.softmax(logits, dim=-1).tolist()
        negative, neutral, positive = self.order
        return [(row[negative], row[neutral], row[positive]) for row in probabilities]


def _class_positions(id2label: dict) -> Tuple[int, int, int]:
    """Logit positions of negative, neutral, positive: by name when the checkpoint names its labels."""
    names = {str(label).lower(): int(position) for position, label in id2label.items()}
    if all(name in names for name in _DEFAULT_ORDER):
        return names["negative"], names["neutral"], names["positive"]
    if len(id2label) not in (0, 3):
        raise ConfigError(
            f"sentiment.model_path holds a model with {len(id2label)} classes; a 3-class sentiment model "
            "(negative, neutral, positive) is needed"
        )
    return 0, 1, 2


@cache
def _load_model(model_path: str) -> _LoadedModel:
    """Load once per process: the first batch pays, every later batch on this worker reuses it."""
    _import_libraries()
    return _LoadedModel(local_model_folder(model_path))


def _import_libraries() -> Tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError:
        raise ConfigError(
            "sentiment.backend is transformer but torch and transformers are not installed; "
            "pip install torch transformers (on every executor), or set sentiment.backend: vader"
        ) from None
    return torch, transformers


def local_model_folder(model_path: str) -> Path:
    """A local folder with the weights: ``model_path`` itself, or a per-machine copy of a remote path."""
    if model_path.startswith(REMOTE_SCHEMES):
        return _copy_from_hdfs(model_path)
    folder = Path(model_path).expanduser()
    if not (folder / "config.json").is_file():
        raise ConfigError(
            f"sentiment.model_path {folder} has no config.json; download the model once with "
            "save_pretrained() and point model_path at that folder (or at its HDFS copy)"
        )
    return folder


def _copy_from_hdfs(model_path: str) -> Path:
    digest = hashlib.sha256(model_path.encode("utf-8")).hexdigest()[:16]
    root = Path(tempfile.gettempdir()) / "tweets-etl-models"
    target = root / digest
    if (target / "config.json").is_file():
        return target
    hdfs = shutil.which("hdfs")
    if hdfs is None:
        raise ConfigError(
            f"sentiment.model_path {model_path} is on HDFS but the hdfs command is not on this machine's "
            "PATH; copy the weights to a local folder on every node, or run where hdfs is installed"
        )
    root.mkdir(parents=True, exist_ok=True)
    # Copy beside the target, then rename: a concurrent worker either wins the rename or finds a
    # complete copy; nobody ever loads a half-copied folder.
    staging = Path(tempfile.mkdtemp(prefix=f".{digest}-", dir=root))
    try:
        completed = subprocess.run(
            [hdfs, "dfs", "-get", model_path.rstrip("/") + "/*", str(staging)],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise ConfigError(
                f"could not copy sentiment.model_path {model_path} from HDFS "
                f"({first_line(completed.stderr, limit=200) or 'exit code ' + str(completed.returncode)}); "
                "check the path and this user's HDFS permissions"
            )
        if not (staging / "config.json").is_file():
            raise ConfigError(
                f"sentiment.model_path {model_path} has no config.json; point it at the model folder"
            )
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / "config.json").is_file():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
