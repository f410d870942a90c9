"""spark-submit entry point for the model stage: `spark-submit jobs/model.py --env ENV [--input PATH ...]`."""

from __future__ import annotations

import sys
from typing import List, Optional

from tweets_etl.cli import main as cli_main


def main(argv: Optional[List[str]] = None) -> int:
    return cli_main(["run", "--stages", "model", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
