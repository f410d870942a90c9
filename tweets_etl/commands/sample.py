"""`tweets-etl sample`: write the seeded, realistic sample of raw X API pages about ChatGPT."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Optional

from tweets_etl.config import Config
from tweets_etl.errors import ConfigError, TweetsEtlError

ORDER = 15
_MARKER = ".sample.json"


def register(subparsers, parents) -> None:
    parser = subparsers.add_parser(
        "sample",
        parents=parents,
        help="write seeded sample raw pages (what `make run` uses when there is no input)",
        description="Write realistic raw X API v2 pages about ChatGPT, the same bytes for the same seed.",
    )
    parser.add_argument("--out", help="output folder (default: VAR_DIR/sample)")
    parser.add_argument("--tweets", type=int, help="how many tweets (default: pipeline.sample_tweets)")
    parser.add_argument("--seed", type=int, help="random seed (default: pipeline.sample_seed)")
    parser.add_argument("--files", type=int, help="how many raw files to spread them over")
    parser.set_defaults(handler=handle)


def ensure_sample(config: Config, out: Optional[Path] = None, **overrides) -> Path:
    """Generate the sample into ``out`` unless the same sample is already there.

    Only the generator's own files (by name) are ever deleted. A folder that holds anything else and
    was never a sample folder (no marker), such as a landing or raw folder given to ``--out`` by
    mistake, is refused as it is: writing made-up tweets beside real ones would mix them into the next
    run or shipment."""
    from tweets_etl.sample.generator import SampleSpec, generator_fingerprint, is_sample_file, write_sample

    out = Path(out or config.dirs.sample)
    spec = replace(
        SampleSpec(tweets=config.pipeline.sample_tweets, seed=config.pipeline.sample_seed), **overrides
    )
    wanted = {
        "tweets": spec.tweets,
        "seed": spec.seed,
        "files": spec.files,
        "generator": generator_fingerprint(),
    }
    marker = out / _MARKER
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return out
    if out.is_dir():
        others = sorted(p.name for p in out.iterdir() if p.name != _MARKER and not is_sample_file(p.name))
        if others and not marker.is_file():
            raise TweetsEtlError(
                f"{out} is not a sample folder: it holds {others[0]}"
                + (f" and {len(others) - 1} more" if len(others) > 1 else "")
                + "; nothing was changed: give --out an empty or new folder"
            )
        marker.unlink(missing_ok=True)  # a sample stopped half-way is made again, never reused
        for old in out.iterdir():
            if old.is_file() and is_sample_file(old.name):
                old.unlink()
    write_sample(out, spec)
    marker.write_text(json.dumps(wanted))
    return out


def handle(args, config: Config) -> int:
    from tweets_etl.sample.generator import is_sample_file

    for option, value in (("--tweets", args.tweets), ("--files", args.files)):
        if value is not None and value < 1:
            raise ConfigError(f"{option} is {value}; it must be at least 1")
    given = (("tweets", args.tweets), ("seed", args.seed), ("files", args.files))
    overrides = {key: value for key, value in given if value is not None}
    out = ensure_sample(config, Path(args.out) if args.out else None, **overrides)
    files = sorted(p.name for p in out.iterdir() if is_sample_file(p.name) and not p.name.startswith("."))
    print(f"sample written to {out}: {len(files)} files")
    return 0
