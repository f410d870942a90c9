#!/usr/bin/env bash
# Run one scheduled tweets-etl job the way cron should: never two at once, never forever, always logged.
#
#   cron_run.sh [--timeout SECONDS] [--var-dir DIR] [--env-file FILE] [--keep-days N] NAME -- COMMAND [ARG...]
#
# - lock:    flock -n on VAR_DIR/locks/NAME.lock; if the previous NAME run still holds it, this run is
#            skipped with a message and exit 75 (EX_TEMPFAIL), so an overrun shows up in cron mail. A lock
#            file (or folder) it cannot write or create is exit 73 (EX_CANTCREAT), and nothing runs.
# - timeout: COMMAND is stopped (TERM, then KILL 60 s later) after --timeout seconds (default 3600);
#            exit 124 says so.
# - logs:    each run writes VAR_DIR/logs/cron/NAME/NAME-<UTC time>.log (COMMAND's stdout and stderr, with
#            a header and footer); latest.log points at the newest; logs older than --keep-days (30) go.
# - exit:    COMMAND's exit code. On failure, one line and the log's last lines go to stderr (cron mail).
# - secrets: --env-file FILE (KEY=VALUE lines, outside the repo, mode 600) is read before COMMAND runs,
#            e.g. X_BEARER_TOKEN for collect; nothing from it is printed. It is read literally, never run
#            as shell code: blank lines and lines starting with # are skipped, "export " before KEY is
#            allowed, KEY is letters, digits and _ (not first a digit), the value is everything after the
#            first = with a trailing CR dropped and one pair of quotes around the whole value removed;
#            nothing in it is expanded ($, `, \ and spaces stay as written). Any other line stops the run
#            with exit 78, naming the line's number, never its text.
# VAR_DIR is --var-dir, else $TWEETS_ETL_VAR_DIR, else ./var.
set -uo pipefail

usage() {
  sed -n '4p' "$0" | sed 's/^# *//' >&2
  exit 64
}

# read_env_file FILE: fill env_pairs with its KEY=VALUE lines as the header describes; 1 after a bad line.
# They are exported only in the subshell that becomes COMMAND, after everything else is expanded, so a
# KEY can never change this script's own variables; and never passed as arguments, which any user on
# the machine could read in the process list (ps) for as long as the command runs.
env_pairs=()
read_env_file() {
  local file=$1 line key value number=0
  while IFS= read -r line || [ -n "$line" ]; do
    number=$((number + 1))
    line=${line%$'\r'}
    line=${line#"${line%%[![:space:]]*}"}
    case "$line" in '' | '#'*) continue ;; esac
    case "$line" in 'export '*) line=${line#export }; line=${line#"${line%%[![:space:]]*}"} ;; esac
    key=${line%%=*}
    if [ "$key" = "$line" ] || ! [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
      echo "cron_run: --env-file $file line $number is not KEY=VALUE (KEY: letters, digits and _)" >&2
      return 1
    fi
    value=${line#*=}
    case "$value" in \"*\" | \'*\') value=${value:1:${#value}-2} ;; esac
    env_pairs+=("$key=$value")
  done <"$file"
}

timeout_seconds=3600
keep_days=30
var_dir=${TWEETS_ETL_VAR_DIR:-var}
env_file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) timeout_seconds=${2:?}; shift 2 ;;
    --var-dir) var_dir=${2:?}; shift 2 ;;
    --env-file) env_file=${2:?}; shift 2 ;;
    --keep-days) keep_days=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    --) break ;;
    -*) echo "cron_run: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
name=${1:-}
[ -n "$name" ] && [ "${2:-}" = "--" ] && [ $# -ge 3 ] || usage
shift 2
case "$name" in *[!A-Za-z0-9_.-]*) echo "cron_run: NAME must be letters, digits, . _ -" >&2; exit 64 ;; esac
case "$timeout_seconds" in ''|*[!0-9]*) echo "cron_run: --timeout needs whole seconds" >&2; exit 64 ;; esac

lock_dir="$var_dir/locks"
log_dir="$var_dir/logs/cron/$name"
mkdir -p "$lock_dir" "$log_dir" || { echo "cron_run: cannot create $lock_dir or $log_dir" >&2; exit 73; }
lock="$lock_dir/$name.lock"

# Without the check, a lock file this user cannot write would read as "the previous run holds it".
if ! { exec 9>>"$lock"; } 2>/dev/null; then
  echo "cron_run: $name not run: cannot write lock file $lock; check its owner and permissions" >&2
  exit 73
fi
if ! flock -n 9; then
  holder=$(cat "$lock" 2>/dev/null || true)
  echo "cron_run: $name skipped: the previous $name run (${holder:-pid unknown}) still holds $lock" >&2
  exit 75
fi
printf 'pid %s since %s\n' "$$" "$(date -u +%FT%TZ)" >"$lock"

if [ -n "$env_file" ]; then
  [ -r "$env_file" ] || { echo "cron_run: --env-file $env_file is not readable" >&2; exit 66; }
  if [ -n "$(find "$env_file" -perm /077 2>/dev/null)" ]; then
    echo "cron_run: warning: $env_file is readable by others; chmod 600 it" >&2
  fi
  read_env_file "$env_file" || exit 78
fi

started=$(date -u +%s)
log="$log_dir/$name-$(date -u +%Y%m%dT%H%M%SZ)-$$.log"
{
  echo "# cron_run $name: start $(date -u +%FT%TZ) on $(hostname) pid $$, timeout ${timeout_seconds}s"
  echo "# command: $*"
} >"$log"
ln -sfn "$(basename "$log")" "$log_dir/latest.log"

(
  set -- --kill-after=60 "$timeout_seconds" "$@"
  # ${a[@]+...}: bash 4.2 (RHEL 7) calls an empty array unbound under set -u.
  for pair in ${env_pairs[@]+"${env_pairs[@]}"}; do export -- "$pair"; done
  exec timeout "$@"
) >>"$log" 2>&1 </dev/null
status=$?
elapsed=$(( $(date -u +%s) - started ))
echo "# cron_run $name: end $(date -u +%FT%TZ), exit $status after ${elapsed}s" >>"$log"

find "$log_dir" -name "$name-*.log" -type f -mtime +"$keep_days" -delete 2>/dev/null

if [ "$status" -ne 0 ]; then
  case "$status" in
    124) why="timed out after ${timeout_seconds}s" ;;
    137) why="killed (exit 137) after ${elapsed}s" ;;
    126) why="could not execute $1" ;;
    127) why="command not found: $1" ;;
    *) why="failed with exit $status after ${elapsed}s" ;;
  esac
  {
    echo "cron_run: $name $why; log: $log"
    tail -n 20 "$log"
  } >&2
fi
exit "$status"
