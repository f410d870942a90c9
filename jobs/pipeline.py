"""spark-submit entry point for the whole pipeline: `spark-submit jobs/pipeline.py --env ENV [--input PATH ...]`.

Takes the same options as `tweets-etl run` (see `tweets-etl run --help`); exits non-zero with one
sentence naming the stage and reason when anything fails.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from tweets_etl.cli import main as cli_main


def main(argv: Optional[List[str]] = None) -> int:
    return cli_main(["run", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
