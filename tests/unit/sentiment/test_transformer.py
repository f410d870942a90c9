"""The transformer backend: clear one-sentence errors, and batching that keeps every score in place.

The real weights cannot be downloaded here, so the model itself is not run: the batching is tested
with a deterministic stand-in predictor, and every failure path with the real code.
"""

from __future__ import annotations

import importlib.util
import tempfile

import pytest

from tweets_etl.errors import ConfigError
from tweets_etl.sentiment import build_scorer
from tweets_etl.sentiment.base import SentimentScore
from tweets_etl.sentiment.transformer import (
    TransformerScorer,
    _class_positions,
    local_model_folder,
    score_in_batches,
)

HAS_TORCH = (
    importlib.util.find_spec("torch") is not None and importlib.util.find_spec("transformers") is not None
)


def test_no_model_path_is_a_config_error_naming_the_key():
    with pytest.raises(ConfigError, match=r"sentiment\.model_path is not set"):
        build_scorer("transformer")


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(ConfigError, match=r"sentiment\.batch_size is 0"):
        TransformerScorer("/models/roberta", batch_size=0)


@pytest.mark.skipif(HAS_TORCH, reason="torch and transformers are installed, so they cannot be missing")
def test_missing_torch_is_one_sentence_with_the_fix(tmp_path):
    scorer = TransformerScorer(str(tmp_path), batch_size=8)
    with pytest.raises(ConfigError, match="torch and transformers are not installed; pip install"):
        scorer.score_many(["ChatGPT is great"])


def test_texts_with_nothing_to_score_never_load_the_model(tmp_path):
    scorer = TransformerScorer(str(tmp_path / "absent"), batch_size=8)
    assert scorer.score_many([None, "@user http", ""]) == [None, None, None]


def test_a_local_folder_without_weights_is_named(tmp_path):
    with pytest.raises(
        ConfigError, match=r"has no config.json; download the model once with save_pretrained"
    ):
        local_model_folder(str(tmp_path))


def test_a_local_folder_with_config_is_used_as_is(tmp_path):
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    assert local_model_folder(str(tmp_path)) == tmp_path


def test_an_hdfs_path_without_the_hdfs_command_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no hdfs on this PATH
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(ConfigError, match="is on HDFS but the hdfs command is not on this machine's PATH"):
        local_model_folder("hdfs:///models/twitter-roberta-base-sentiment-unseen")


def test_a_failing_hdfs_copy_reports_its_error(monkeypatch, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_hdfs = bin_dir / "hdfs"  # a real executable that fails the way `hdfs dfs -get` does
    fake_hdfs.write_text("#!/bin/sh\necho 'get: /models/x: No such file or directory' >&2\nexit 1\n")
    fake_hdfs.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(
        ConfigError, match=r"could not copy sentiment\.model_path hdfs:///models/x from HDFS .*No such"
    ):
        local_model_folder("hdfs:///models/x")
    leftovers = list((tmp_path / "tweets-etl-models").iterdir())
    assert leftovers == []  # the half-made staging folder is gone


def test_labels_are_found_by_name_or_by_cardiffnlp_position():
    assert _class_positions({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}) == (0, 1, 2)
    assert _class_positions({0: "positive", 1: "negative", 2: "neutral"}) == (1, 2, 0)
    with pytest.raises(ConfigError, match="a model with 2 classes"):
        _class_positions({0: "NEG", 1: "POS"})


def test_batches_keep_every_score_at_its_texts_position():
    calls = []

    def predict(batch):
        calls.append(list(batch))
        # Deterministic stand-in: probability of positive grows with text length.
        return [(0.1, 0.9 - len(text) / 100, len(text) / 100) for text in batch]

    prepared = ["a much longer text here", None, "mid text", "@user http", "x", "", "short"]
    scores = score_in_batches(prepared, predict, batch_size=3)
    assert [len(batch) for batch in calls] == [3, 1]  # 4 scorable texts, in batches of 3
    sent = [text for batch in calls for text in batch]
    assert sent == sorted(sent, key=len)  # shortest first, so batches pad little
    for text, score in zip(prepared, scores):
        if text in (None, "@user http", ""):
            assert score is None
        else:
            positive = len(text) / 100
            assert score == SentimentScore(round(positive - 0.1, 4), positive, 0.9 - positive, 0.1)


def test_a_model_that_drops_results_is_caught():
    with pytest.raises(RuntimeError, match="returned 1 results for 2 texts"):
        score_in_batches(["one", "two"], lambda batch: [(0.2, 0.6, 0.2)], batch_size=2)
