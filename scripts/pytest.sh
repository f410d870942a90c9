#!/usr/bin/env bash
# Run pytest and refuse to call "no tests collected" a pass: exit code 5 becomes a failure.
set -uo pipefail
python=${1:?usage: pytest.sh PYTHON [pytest args]}
shift
"$python" -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here, not a pass" >&2
  exit 1
fi
exit "$status"
