"""spark-submit entry point for the BI views: `spark-submit jobs/views.py --env ENV`.

Creates (or replaces) the `v_*` views in the configured database, as `tweets-etl serve --views-only`
does locally; on a cluster the cluster's HiveServer2 serves them, so no Thrift server is started.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from tweets_etl.cli import main as cli_main


def main(argv: Optional[List[str]] = None) -> int:
    return cli_main(["serve", "--views-only", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
