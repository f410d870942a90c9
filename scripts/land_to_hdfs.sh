#!/usr/bin/env bash
# land_to_hdfs.sh: move completed raw files from the edge node's landing folder into the HDFS raw zone.
#
# usage: scripts/land_to_hdfs.sh [--keep] [--dry-run] [--any-day] LANDING_DIR HDFS_RAW_DIR
#
#   LANDING_DIR    local folder `tweets-etl ship` delivers into (ship.remote_dir), e.g. /data/landing/tweets
#   HDFS_RAW_DIR   HDFS folder the Spark jobs read, e.g. /data/tweets/raw or hdfs://nameservice1/data/tweets/raw
#   --keep         leave landed files in LANDING_DIR (default: move them to LANDING_DIR/landed/ afterwards)
#   --dry-run      say what would be landed; change nothing, run no hdfs command
#   --any-day      land into a landed_date=DAY folder even when DAY is not today (UTC); see below
#
# A HDFS_RAW_DIR named landed_date=DAY is the batch of DAY (`make daily`, the Oozie workflow), and only
# today's (UTC) is filled: for another DAY nothing is landed and the exit is 0, so re-running a past day
# re-runs exactly the files landed for it then, and files that arrived since wait for today's run instead
# of joining an old batch. --any-day lands them into DAY anyway (a deliberate change to that batch).
#
# Only complete files are landed: NAME with NAME.manifest.json beside it (the shipper writes the manifest
# last, after verifying NAME) whose local size and sha256 match the manifest. Hidden files, *.part and
# files without a manifest are never touched. All files of a run are put into HDFS_RAW_DIR/.landing-tmp/
# with one `hdfs dfs -put`, checked there by size, then moved with `-mv` (an atomic rename in HDFS): raw
# files into HDFS_RAW_DIR first, then their manifests into HDFS_RAW_DIR/_manifests/. Spark and Hive skip
# names starting with "." or "_" when they list a folder, so HDFS_RAW_DIR reads as raw files only, and a
# manifest in _manifests/ means its file is whole. A NAME already in HDFS_RAW_DIR with the manifest's size
# counts as landed (a missing manifest is completed); with another size it is an error and is never
# overwritten. Re-running is always safe. Concurrent runs on one LANDING_DIR are serialised with flock(1).
#
# environment:
#   HDFS_CMD   how to run Hadoop's FsShell (default: "hdfs dfs"), split on spaces, e.g.
#              "sudo -u etl hdfs dfs", or "spark-class org.apache.hadoop.fs.FsShell" where there is no hdfs
#
# exit codes:
#   0  every complete file is in HDFS_RAW_DIR (landed now or before), or there was nothing to land
#   1  some files could not be landed (each named on stderr with the reason); the others were landed
#   2  usage error: bad arguments, or LANDING_DIR is not a folder
#   3  HDFS is unreachable or HDFS_RAW_DIR cannot be created: nothing was landed
#   4  another land_to_hdfs.sh run holds the lock on LANDING_DIR; try again later
#   5  the lock file LANDING_DIR/.land_to_hdfs.lock cannot be written (LANDING_DIR is not writable for
#      this user): nothing was landed
set -uo pipefail
shopt -s nullglob

PROG=land_to_hdfs
MANIFEST_SUFFIX=.manifest.json

usage() {
  sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

say() { printf '%s: %s\n' "$PROG" "$*"; }
warn() { printf '%s: %s\n' "$PROG" "$*" >&2; }

keep=0
dry_run=0
any_day=0
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1 ;;
    --dry-run) dry_run=1 ;;
    --any-day) any_day=1 ;;
    -h | --help) usage ;;
    --) shift; positional+=("$@"); break ;;
    -*) warn "unknown option $1"; usage ;;
    *) positional+=("$1") ;;
  esac
  shift
done
[ ${#positional[@]} -eq 2 ] || usage
landing=${positional[0]%/}
raw_dir=${positional[1]%/}
tmp_dir="$raw_dir/.landing-tmp"
manifest_dir="$raw_dir/_manifests"
if [ ! -d "$landing" ]; then
  warn "LANDING_DIR $landing is not a folder; pass the folder tweets-etl ship delivers into"
  exit 2
fi
landing=$(cd "$landing" && pwd -P)

case "${raw_dir##*/}" in
  landed_date=*)
    batch_day=${raw_dir##*/landed_date=}
    today=$(date -u +%F)
    if [ "$batch_day" != "$today" ] && [ "$any_day" -eq 0 ]; then
      say "nothing landed: $raw_dir is the batch of $batch_day, not of today ($today UTC), so a re-run of" \
        "$batch_day reads exactly the files landed for it; files in $landing wait for today's run" \
        "(--any-day lands them into $batch_day)"
      exit 0
    fi
    ;;
esac
read -r -a hdfs_cmd <<< "${HDFS_CMD:-hdfs dfs}"
hdfs() { "${hdfs_cmd[@]}" "$@"; }

# The JVM decodes arguments and prints names in the locale's charset: non-ASCII names need UTF-8.
if [ "$(locale charmap 2>/dev/null)" != "UTF-8" ]; then
  utf8_locale=$(locale -a 2>/dev/null | grep -iE '^(c|en_us)\.utf-?8$' | head -n 1)
  [ -n "$utf8_locale" ] && export LC_ALL="$utf8_locale"
fi

if [ "$dry_run" -eq 0 ]; then
  lock="$landing/.land_to_hdfs.lock"
  # Without the check, a lock file this user cannot write would read as "another run holds it".
  if ! { exec 9>> "$lock"; } 2> /dev/null; then
    warn "cannot write lock file $lock; LANDING_DIR must be writable by $(id -un) (landed files move to LANDING_DIR/landed/ too)"
    exit 5
  fi
  if command -v flock > /dev/null 2>&1 && ! flock -n 9; then
    warn "another run holds $lock; try again later"
    exit 4
  fi
fi

failed=0
fail() {
  warn "FAILED $1: $2"
  failed=$((failed + 1))
}

# manifest_value FILE KEY: a number or a quoted string value from the manifest's JSON text.
manifest_value() {
  tr -d '\r\n' < "$1" | grep -oE "\"$2\"[[:space:]]*:[[:space:]]*(\"[^\"]*\"|[0-9]+)" | head -n 1 |
    sed -E 's/^[^:]*:[[:space:]]*"?//; s/"$//'
}

# Names FsShell would misread (globs, URI syntax, options) or that could leave the folder are refused.
unsafe_name() {
  case "$1" in
    -* | .* | *[[:space:]] | [[:space:]]* | *[][*?{}\\:/]*) return 0 ;;
  esac
  [[ "$1" =~ [[:cntrl:]] ]]
}

# 1. Complete, intact files in LANDING_DIR.
names=()
declare -A expected_size=()
for manifest in "$landing"/*"$MANIFEST_SUFFIX"; do
  name=$(basename "$manifest")
  name=${name%"$MANIFEST_SUFFIX"}
  file="$landing/$name"
  case "$name" in *.part) continue ;; esac
  [ -f "$file" ] || continue
  if unsafe_name "$name"; then
    fail "$name" "the name has characters HDFS paths cannot carry; rename it and its manifest"
    continue
  fi
  size=$(manifest_value "$manifest" bytes)
  sha=$(manifest_value "$manifest" sha256)
  if ! [[ "$size" =~ ^[0-9]+$ && "$sha" =~ ^[0-9a-f]{64}$ ]]; then
    fail "$name" "its manifest has no valid bytes and sha256; it is not a raw file manifest"
    continue
  fi
  actual=$(stat -c %s -- "$file")
  if [ "$actual" != "$size" ] || [ "$(sha256sum < "$file" | cut -d' ' -f1)" != "$sha" ]; then
    fail "$name" "the local file does not match its manifest (damaged or still changing); ship it again"
    continue
  fi
  names+=("$name")
  expected_size[$name]=$size
done

if [ ${#names[@]} -eq 0 ]; then
  say "nothing to land in $landing"
  [ "$failed" -eq 0 ] && exit 0 || exit 1
fi
if [ "$dry_run" -eq 1 ]; then
  for name in "${names[@]}"; do say "would land $name (${expected_size[$name]} bytes) into $raw_dir"; done
  [ "$failed" -eq 0 ] && exit 0 || exit 1
fi

# list_files DIR...: "size<TAB>key" per file in HDFS folders (the path is the last column of -ls); the key
# is the file name, or _manifests/NAME for a file in a _manifests folder.
list_files() {
  local line size path key
  hdfs -ls "$@" | while IFS= read -r line; do
    [[ "$line" == -* ]] || continue
    read -r _ _ _ _ size _ _ path <<< "$line"
    key=${path##*/}
    path=${path%/*}
    [ "${path##*/}" = "_manifests" ] && key="_manifests/$key"
    printf '%s\t%s\n' "$size" "$key"
  done
  return "${PIPESTATUS[0]}"
}

# load_sizes DIR...: refill the associative array "sizes" (key -> bytes) from list_files. No namerefs:
# RHEL 7 edge nodes still have bash 4.2.
declare -A sizes=()
load_sizes() {
  local listing size key
  sizes=()
  listing=$(list_files "$@") || return 1
  while IFS=$'\t' read -r size key; do
    if [ -n "$key" ]; then sizes[$key]=$size; fi
  done <<< "$listing"
  return 0
}

# is_placed NAME: the raw file sits in HDFS_RAW_DIR with the manifest's size ("sizes" from both folders).
is_placed() { [ "${sizes[$1]:-}" = "${expected_size[$1]}" ]; }
has_manifest() { [ -n "${sizes[_manifests/$1$MANIFEST_SUFFIX]+set}" ]; }

archive() {
  [ "$keep" -eq 1 ] && return 0
  if ! { mkdir -p "$landing/landed" &&
    mv -f -- "$landing/$1" "$landing/landed/$1" &&
    mv -f -- "$landing/$1$MANIFEST_SUFFIX" "$landing/landed/$1$MANIFEST_SUFFIX"; }; then
    warn "$1 is in HDFS, but could not be moved to $landing/landed/"
  fi
}

# 2. HDFS reachable, folders there, and what is already landed.
if ! hdfs -mkdir -p "$tmp_dir" "$manifest_dir"; then
  warn "cannot create $tmp_dir with '${hdfs_cmd[*]}'; check HDFS_CMD, the Kerberos ticket (klist) and permissions"
  exit 3
fi
if ! load_sizes "$raw_dir" "$manifest_dir"; then
  warn "cannot list $raw_dir with '${hdfs_cmd[*]}'; check HDFS_CMD and permissions"
  exit 3
fi

pending=()
declare -A send_raw=()
already=0
for name in "${names[@]}"; do
  if [ -z "${sizes[$name]+set}" ]; then
    pending+=("$name")
    send_raw[$name]=1
  elif ! is_placed "$name"; then
    fail "$name" "$raw_dir/$name already exists with ${sizes[$name]} bytes, not ${expected_size[$name]}; not overwritten"
  elif has_manifest "$name"; then
    say "already landed $name"
    already=$((already + 1))
    archive "$name"
  else
    # An earlier run placed the file but stopped before its manifest: finish that.
    pending+=("$name")
  fi
done

# 3. One put for every new file and manifest, then a size check in the temporary folder.
landed_now=0
if [ ${#pending[@]} -gt 0 ]; then
  sources=()
  for name in "${pending[@]}"; do
    [ -n "${send_raw[$name]:-}" ] && sources+=("$landing/$name")
    sources+=("$landing/$name$MANIFEST_SUFFIX")
  done
  hdfs -put -f "${sources[@]}" "$tmp_dir/" || warn "hdfs -put reported errors; checking file by file"
  load_sizes "$tmp_dir" || true
  ready=()
  raw_moves=()
  for name in "${pending[@]}"; do
    if [ -z "${sizes[$name$MANIFEST_SUFFIX]+set}" ] || { [ -n "${send_raw[$name]:-}" ] && ! is_placed "$name"; }; then
      fail "$name" "the copy in $tmp_dir is missing or incomplete; run again"
      continue
    fi
    ready+=("$name")
    [ -n "${send_raw[$name]:-}" ] && raw_moves+=("$tmp_dir/$name")
  done
  # 4. Raw files into place first, then their manifests: a manifest in _manifests means its file is whole.
  if [ ${#raw_moves[@]} -gt 0 ]; then
    hdfs -mv "${raw_moves[@]}" "$raw_dir/" || warn "hdfs -mv of raw files reported errors; checking file by file"
  fi
  if [ ${#ready[@]} -gt 0 ]; then
    load_sizes "$raw_dir" "$manifest_dir" || true
    manifest_moves=()
    for name in "${ready[@]}"; do
      is_placed "$name" && manifest_moves+=("$tmp_dir/$name$MANIFEST_SUFFIX")
    done
    if [ ${#manifest_moves[@]} -gt 0 ]; then
      hdfs -mv "${manifest_moves[@]}" "$manifest_dir/" || warn "hdfs -mv of manifests reported errors; checking file by file"
      load_sizes "$raw_dir" "$manifest_dir" || true
    fi
    for name in "${ready[@]}"; do
      if is_placed "$name" && has_manifest "$name"; then
        say "landed $name"
        landed_now=$((landed_now + 1))
        archive "$name"
      else
        fail "$name" "it did not arrive in $raw_dir with its manifest; run again"
      fi
    done
  fi
  hdfs -rm -r -f -skipTrash "$tmp_dir" > /dev/null 2>&1 || true
fi

say "$landed_now landed, $already already there, $failed failed (into $raw_dir)"
[ "$failed" -eq 0 ] && exit 0 || exit 1
