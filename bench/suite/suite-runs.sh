#!/usr/bin/env bash
# The whole suite's run time and flakes at two revisions: runs `.ci/run` (what CI runs) in a fresh clone of each,
# alternately (before, after, before, …, so a machine that slows down or speeds up weighs on both alike), and prints
# one JSON line per run, then one summary line per revision.
#
#   npm run bench:suite -- BEFORE AFTER [RUNS] [WORK_DIR]      (bash bench/suite/suite-runs.sh …)
#
# RUNS defaults to 5; WORK_DIR (default: a new temporary directory) keeps each run's log as <label>-<n>.log. Run it
# on a machine doing nothing else: it takes RUNS × (both suites) time, about 30 minutes per pair here.
# `npm run bench:suite -- --summarise WORK_DIR` prints the lines again from the logs kept there.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
summarise() { node "$here/suite-run-summary.mjs" "$@"; }

if [[ ${1:-} == --summarise ]]; then
  summarise "$2"/*.log
  exit
fi

before=${1:?usage: suite-runs.sh BEFORE AFTER [RUNS] [WORK_DIR]}
after=${2:?usage: suite-runs.sh BEFORE AFTER [RUNS] [WORK_DIR]}
runs=${3:-5}
work=${4:-$(mktemp -d "${TMPDIR:-/tmp}/tributary-suite-runs-XXXXXX")}
repo=$(git -C "$here" rev-parse --show-toplevel)
mkdir -p "$work"

for ((run = 1; run <= runs; run++)); do
  for label in before after; do
    rev=${!label}
    clone="$work/clone"
    rm -rf "$clone"
    git clone -q "$repo" "$clone" && git -C "$clone" checkout -q "$rev"
    log="$work/$label-$run.log"
    echo "# rev $(git -C "$clone" rev-parse HEAD)" > "$log"
    start=$(date +%s)
    (cd "$clone" && CI=true bash .ci/run >> "$log" 2>&1)
    echo "# seconds $(($(date +%s) - start))" >> "$log"
    summarise --each "$log"
  done
done
rm -rf "$work/clone"
summarise "$work"/*.log
