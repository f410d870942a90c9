"""`tweets-etl eval-sentiment`: score labelled tweets and print TweetEval's metrics as JSON (no Spark)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tweets_etl.config import Config

ORDER = 70

DESCRIPTION = """\
Score labelled tweets with a sentiment scorer and print JSON: macro-averaged recall over negative,
neutral and positive (TweetEval's official metric), recall per class, accuracy, the confusion matrix
(rows gold, columns predicted), n, how many tweets had nothing to score (counted as neutral), the
thresholds used, and tweets/s on one core. Needs no Spark.

Files are TweetEval's format: --texts holds one tweet per line, --labels one label per line aligned
with it, as class names or as ids that --mapping translates (lines like "0<TAB>negative"; without it
TweetEval's 0 negative / 1 neutral / 2 positive is assumed).

scorers:
  vader        the default: VADER made tweet-aware, with calibrated thresholds
  plain-vader  VADER as published on the raw text, +-0.05: the baseline to beat
  transformer  cardiffnlp/twitter-roberta weights from sentiment.model_path (needs torch)

example (TweetEval's validation split):
  tweets-etl eval-sentiment --texts val_text.txt --labels val_labels.txt --mapping mapping.txt
"""


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "eval-sentiment",
        parents=parents,
        help="measure a sentiment scorer on labelled tweets (TweetEval metrics as JSON)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--texts", required=True, type=Path, metavar="FILE", help="one tweet per line")
    parser.add_argument("--labels", required=True, type=Path, metavar="FILE", help="one gold label per line")
    parser.add_argument("--mapping", type=Path, metavar="FILE", help="label id to class name, one per line")
    parser.add_argument(
        "--scorer",
        choices=("vader", "plain-vader", "transformer"),
        help="which scorer to measure (default: sentiment.backend, i.e. vader)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, config: Config) -> int:
    from tweets_etl.sentiment import build_scorer
    from tweets_etl.sentiment.evaluate import evaluate, read_labelled

    texts, gold = read_labelled(args.texts, args.labels, args.mapping)
    scorer = build_scorer(
        args.scorer or config.sentiment.backend,
        model_path=config.sentiment.model_path,
        batch_size=config.sentiment.batch_size,
    )
    json.dump(evaluate(scorer, texts, gold), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
