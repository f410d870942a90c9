"""Benchmark inputs, generated once per size and seed and cached under VAR_DIR/bench/data.

- full: N tweets shaped like real search pages (about 45% retweets, Zipf hashtags, long posts,
  media on about 12% of originals, about 4% of ids seen again in a later file, 0.1% malformed lines),
  spread over 8 files;
- quarter: N/4 tweets with the same shape, for the scaling ratio;
- increment: N/10 newer tweets, plus pages of the full set collected again later (fresher metrics):
  what the next day's batch looks like.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Callable, Dict, Optional

from tweets_etl.rawfiles import PROVENANCE_KEY, RawPageWriter
from tweets_etl.sample.generator import SampleSpec, write_sample

DAYS = 30
# Changed whenever the generator writes different data, so a set cached by an older version is
# generated again rather than measured as if it were the same benchmark.
DATA_VERSION = "3: photos, videos and GIFs on 12% of originals and their retweets"
# The increment is complete only once the pages seen again are added: its marker says so, and an
# increment whose marker is only DATA_VERSION (written before that step, up to this version of the
# benchmark) is generated again, as it may hold a short file of them left by an interrupted run.
INCREMENT_VERSION = DATA_VERSION + "; with pages of the full set seen again"


def _spec(tweets: int, seed: int) -> SampleSpec:
    return SampleSpec(
        tweets=tweets,
        seed=seed,
        files=8,
        days=DAYS,
        retweet_share=0.45,
        malformed_lines=max(3, tweets // 1000),
    )


def _generate(
    directory: Path,
    spec: SampleSpec,
    log,
    *,
    version: str = DATA_VERSION,
    then: Optional[Callable[[Path], None]] = None,
) -> Path:
    """Generate the set unless it is there whole. The marker is written last, after ``then`` too: a
    set without it (a run stopped half-way, whose raw files are published as they close) is stale."""
    marker = directory / ".complete"
    if marker.is_file() and marker.read_text() == version:
        return directory
    log(f"generating {spec.tweets:,} tweets into {directory} (once; cached for later runs)")
    directory.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    for stale in directory.iterdir():
        stale.unlink()
    # gzip level 1: the benchmark measures Spark, not how long zlib took to write its input.
    write_sample(directory, spec, compresslevel=1)
    if then:
        then(directory)
    marker.write_text(version)
    return directory


def prepare(root: Path, tweets: int, seed: int, log=print) -> Dict[str, Path]:
    full_spec = _spec(tweets, seed)
    full = _generate(root / f"full-{tweets}-{seed}", full_spec, log)
    quarter = _generate(root / f"quarter-{tweets // 4}-{seed}", _spec(tweets // 4, seed), log)
    increment_dir = root / f"increment-{tweets // 10}-{seed}"
    newer = replace(
        _spec(tweets // 10, seed + 1), files=1, days=3, start=full_spec.start + timedelta(days=DAYS - 1)
    )
    increment = _generate(
        increment_dir,
        newer,
        log,
        version=INCREMENT_VERSION,
        then=lambda directory: _add_seen_again(directory, full, share_of=tweets // 10, seed=seed),
    )
    return {"full": full, "quarter": quarter, "increment": increment}


def _add_seen_again(increment: Path, full: Path, *, share_of: int, seed: int) -> None:
    """About 5% of the increment: pages of the full set fetched again a day later, with more likes."""
    rng = random.Random(seed)
    wanted = max(1, share_of // 20)
    last = sorted(full.glob("*.jsonl.gz"))[-1]
    with (
        gzip.open(last, "rt", encoding="utf-8") as lines,
        RawPageWriter(increment, prefix="again", producer="tweets-etl bench") as writer,
    ):
        for line in lines:
            if wanted <= 0:
                break
            page = json.loads(line)
            for tweet in page.get("data", []):
                tweet["public_metrics"]["like_count"] += rng.randint(1, 50)
            page[PROVENANCE_KEY]["retrieved_at"] = "2023-01-15T00:00:00+00:00"
            writer.write_page(page)
            wanted -= len(page.get("data", []))
