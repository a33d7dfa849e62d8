#!/usr/bin/env bash
# The one command that installs what the tests need and runs the whole suite:
#   bash test/run-all.sh [extra vitest args]
# Works on a fresh Debian / Raspberry Pi OS machine as root or as a user with sudo.
# Ends with exactly one line `tests: N passed, M failed`, and exits non-zero when any test
# failed or when no test passed (an empty run is not a green run).
set -euo pipefail

# Paths in here (package-lock.json, vitest.config.ts) are relative to the repo root.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# --- System packages ----------------------------------------------------------------------
# Tests start their own mosquitto and influxd on free ports, and socat makes pty pairs for the
# serial drivers. We only need the binaries; whether the packages' system services run does
# not matter, so we neither start nor stop them.
# make, g++ and python3 build the native modules (better-sqlite3, epoll) during npm ci.
# systemd-container (systemd-nspawn) and mmdebstrap boot a real systemd for test/systemd/container/.
# chromium: the live page is tested in a real browser (driven by playwright-core, no browser download).
packages=(mosquitto influxdb victoria-metrics socat make g++ python3 systemd-container mmdebstrap chromium)
missing=()
for pkg in "${packages[@]}"; do
  # `dpkg -s` alone succeeds for removed packages whose config files remain; check the status.
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} > 0)); then
  if ! command -v apt-get >/dev/null; then
    echo "run-all: missing packages ${missing[*]}, and apt-get is not available; install them by hand" >&2
    exit 1
  fi
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
      echo "run-all: missing packages ${missing[*]}; run as root or install sudo" >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  echo "run-all: installing ${missing[*]}"
  # One update, so a fresh machine's empty package lists do not make the install fail.
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}"
fi

# --- Node packages ------------------------------------------------------------------------
# In CI always start from the lock file. Locally skip the slow reinstall when node_modules
# already matches it: npm writes node_modules/.package-lock.json on every install, so a lock
# file newer than that means the dependencies changed since.
if [[ -n ${CI:-} || ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "run-all: npm ci"
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    # npm ci also runs the `prepare` script (tsc build), so a type error fails here too.
    echo "run-all: npm ci failed (see above); tests were not run" >&2
    echo "tests: 0 passed, 1 failed"
    exit 1
  fi
fi

# --- Tests --------------------------------------------------------------------------------
# Two runs: the main suite, then the tests that boot systemd in a container (test/systemd/container/),
# one file at a time, so they neither slow the main suite nor are disturbed by it.
reports=()
trap 'rm -f "${reports[@]}"' EXIT

# Keep going when vitest fails: the summary line below must still be printed.
status=0
run_vitest() {
  local report
  report=$(mktemp "${TMPDIR:-/tmp}/tributary-vitest-XXXXXX.json")
  reports+=("$report")
  npx --no vitest run --reporter=default --reporter=json --outputFile.json="$report" --passWithNoTests "$@" || status=$?
}
run_vitest --project main "$@"
run_vitest --project container --no-file-parallelism "$@"

# Read the counts from vitest's JSON reports rather than scraping its human output. A missing
# or unreadable report means vitest crashed before finishing: count that as one failure.
summary=$(node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0;
  for (const file of process.argv.slice(1)) {
    try {
      const r = JSON.parse(fs.readFileSync(file, "utf8"));
      passed += r.numPassedTests;
      failed += r.numFailedTests;
    } catch {
      failed += 1;
    }
  }
  console.log(`${passed} ${failed}`);
' "${reports[@]}")
read -r passed failed <<<"$summary"
echo "tests: ${passed} passed, ${failed} failed"

if ((status != 0)); then exit "$status"; fi
if ((passed == 0 || failed > 0)); then exit 1; fi
