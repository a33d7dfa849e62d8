// Reads the logs of bench/suite/suite-runs.sh: one JSON line per run (revision, seconds in all and per vitest phase,
// tests passed and failed, the failed tests' names), then, unless --each, one line per label with the spread of the
// times, every test that failed and in how many runs, and the time of the test files every run has: the suite grows
// between two revisions, so its total alone does not say whether the same tests got faster.
import { readFileSync } from 'node:fs';
import path from 'node:path';

// Colours and cursor moves of vitest's reporter.
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

function parse(file) {
  const [, label, run] = path.basename(file).match(/^(.*)-(\d+)\.log$/) ?? [];
  const result = { bench: 'suite.run', label, run: Number(run), rev: undefined, seconds: undefined, phases_s: [], passed: 0, failed: 0, failed_tests: [] };
  // Each test file's own time, ms, from the reporter's line for it (`✓ main path (12 tests) 345ms`).
  const fileMs = new Map();
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(ANSI, '');
    let m;
    if ((m = line.match(/^# rev (\w+)/))) result.rev = m[1].slice(0, 7);
    else if ((m = line.match(/^# seconds (\d+)/))) result.seconds = Number(m[1]);
    else if ((m = line.match(/^\s*Duration\s+([\d.]+)s/))) result.phases_s.push(Number(m[1]));
    else if ((m = line.match(/^tests: (\d+) passed, (\d+) failed/))) [result.passed, result.failed] = [Number(m[1]), Number(m[2])];
    else if ((m = line.match(/^\s*[✓×❯↓]\s+(?:main|container)\s+(\S+\.test\.ts)\s+\(\d+ tests?[^)]*\)\s+(\d+)ms/))) fileMs.set(m[1], Number(m[2]));
    else if ((m = line.match(/^\s*FAIL\s+(?:(?:main|container)\s+)?(\S.*?)\s*$/))) {
      if (!result.failed_tests.includes(m[1])) result.failed_tests.push(m[1]);
    }
  }
  Object.defineProperty(result, 'fileMs', { value: fileMs, enumerable: false });
  return result;
}

const args = process.argv.slice(2);
const each = args[0] === '--each';
const runs = (each ? args.slice(1) : args).map(parse).sort((a, b) => a.label.localeCompare(b.label) || a.run - b.run);
for (const run of runs) console.log(JSON.stringify(run));
if (!each) {
  const everywhere = runs.length === 0 ? [] : [...runs[0].fileMs.keys()].filter((file) => runs.every((run) => run.fileMs.has(file)));
  const commonSeconds = (run) => Math.round(everywhere.reduce((sum, file) => sum + run.fileMs.get(file), 0) / 1000);
  for (const label of [...new Set(runs.map((run) => run.label))]) {
    const mine = runs.filter((run) => run.label === label);
    const range = (values) => (values.length === 0 ? null : [Math.min(...values), Math.max(...values)]);
    const failedIn = new Map();
    for (const run of mine) for (const name of run.failed_tests) failedIn.set(name, (failedIn.get(name) ?? 0) + 1);
    console.log(
      JSON.stringify({
        bench: 'suite.summary',
        label,
        revs: [...new Set(mine.map((run) => run.rev))],
        runs: mine.length,
        seconds: range(mine.map((run) => run.seconds).filter((s) => s !== undefined)),
        median_seconds: median(mine.map((run) => run.seconds).filter((s) => s !== undefined)),
        main_phase_s: range(mine.map((run) => run.phases_s[0]).filter((s) => s !== undefined)),
        container_phase_s: range(mine.map((run) => run.phases_s[1]).filter((s) => s !== undefined)),
        tests: range(mine.map((run) => run.passed + run.failed)),
        test_files: range(mine.map((run) => run.fileMs.size)),
        common_files: everywhere.length,
        common_files_s: range(mine.map(commonSeconds)),
        runs_with_failures: mine.filter((run) => run.failed > 0).length,
        failed_tests: Object.fromEntries(failedIn),
      }),
    );
  }
}

function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
