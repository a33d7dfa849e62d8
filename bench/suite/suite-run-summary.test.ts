import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';

const SUMMARY = path.join(import.meta.dirname, 'suite-run-summary.mjs');

/** A log as .ci/run prints it (vitest's colours included) between the lines suite-runs.sh adds. */
function log(rev: string, seconds: number, files: [string, number][], failed: string[]): string {
  const green = (text: string) => `\x1b[32m${text}\x1b[39m`;
  return [
    `# rev ${rev}`,
    'run-all: npm ci',
    ...files.map(([file, ms]) => ` ${green('✓')} \x1b[30m\x1b[45m main \x1b[49m\x1b[39m ${file} \x1b[2m(3 tests)\x1b[22m\x1b[33m ${ms}\x1b[2mms\x1b[22m`),
    ...failed.map((name) => `\x1b[41m\x1b[1m FAIL \x1b[22m\x1b[49m \x1b[30m\x1b[45m main \x1b[49m\x1b[39m ${name}`),
    '\x1b[2m   Duration \x1b[22m 600.50s\x1b[2m (transform 9s)\x1b[22m',
    '\x1b[2m   Duration \x1b[22m 300.25s\x1b[2m (transform 1s)\x1b[22m',
    `tests: ${9 - failed.length} passed, ${failed.length} failed`,
    `# seconds ${seconds}`,
  ].join('\n');
}

describe('suite-run-summary', () => {
  let dir: TempDir;
  beforeEach(async () => (dir = await makeTempDir('suite-runs')));
  afterEach(async () => dir.remove());

  it('prints each run, then per label the spread of times, the failed tests with their counts and the common files', () => {
    const flaky = 'test/a.test.ts > kills > reads the buffer';
    writeFileSync(path.join(dir.path, 'before-1.log'), log('a20d300aaaa', 850, [['test/a.test.ts', 1_000], ['test/b.test.ts', 2_000]], []));
    writeFileSync(path.join(dir.path, 'before-2.log'), log('a20d300aaaa', 860, [['test/a.test.ts', 1_500], ['test/b.test.ts', 2_000]], []));
    writeFileSync(path.join(dir.path, 'after-1.log'), log('69084b4bbbb', 1_050, [['test/a.test.ts', 500], ['test/b.test.ts', 2_000], ['test/new.test.ts', 9_000]], [flaky]));
    writeFileSync(path.join(dir.path, 'after-2.log'), log('69084b4bbbb', 1_040, [['test/a.test.ts', 600], ['test/b.test.ts', 2_100], ['test/new.test.ts', 9_000]], []));
    const lines = execFileSync(process.execPath, [SUMMARY, ...['after-1', 'after-2', 'before-1', 'before-2'].map((name) => path.join(dir.path, `${name}.log`))], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toEqual({
      bench: 'suite.run',
      label: 'after',
      run: 1,
      rev: '69084b4',
      seconds: 1_050,
      phases_s: [600.5, 300.25],
      passed: 8,
      failed: 1,
      failed_tests: [flaky],
    });
    expect(lines[4]).toMatchObject({
      bench: 'suite.summary',
      label: 'after',
      runs: 2,
      seconds: [1_040, 1_050],
      median_seconds: 1_045,
      test_files: [3, 3],
      common_files: 2,
      common_files_s: [3, 3],
      runs_with_failures: 1,
      failed_tests: { [flaky]: 1 },
    });
    expect(lines[5]).toMatchObject({ label: 'before', seconds: [850, 860], common_files_s: [3, 4], runs_with_failures: 0, failed_tests: {} });
  });
});
