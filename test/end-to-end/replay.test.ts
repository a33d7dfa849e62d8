import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tributary } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const NAB = path.resolve(REPO, 'test/fixtures/nab/ambient_temperature_system_failure.csv');

describe('tributary replay', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir('replay');
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('runs a Numenta benchmark recording through daily windows exactly as SQL groups it', async () => {
    const config = path.join(dir.path, 'daily.yaml');
    await writeFile(config, `rules:\n  daily:\n    window: { size: 1d, allowed_lateness: 0s }\n    aggregates: [count, sum, min, max]\n`);
    const output = path.join(dir.path, 'results.jsonl');
    const result = await tributary('replay', '--config', config, '--input', NAB, '--output', output);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/replayed 2000 readings from 2013-07-04T00:00:00.000Z to 2013-10-09T\d\d:00:00.000Z: \d+ results, 0 lines skipped, 0 late readings dropped/);

    const results = readFileSync(output, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { sensor: string; start: number; values: Record<string, number> });
    // The same file grouped by day in SQLite, parsed independently of the agent.
    const db = new Database(':memory:');
    db.exec('CREATE TABLE r (ts INTEGER, value REAL)');
    const insert = db.prepare('INSERT INTO r VALUES (?, ?)');
    for (const line of readFileSync(NAB, 'utf8').trim().split('\n').slice(1)) {
      const [time, value] = line.split(',');
      insert.run(Date.parse(`${time!.replace(' ', 'T')}Z`), Number(value));
    }
    const expected = db
      .prepare('SELECT (ts / 86400000) * 86400000 AS start, COUNT(*) AS count, SUM(value) AS sum, MIN(value) AS min, MAX(value) AS max FROM r GROUP BY start ORDER BY start')
      .all() as { start: number; count: number; sum: number; min: number; max: number }[];
    db.close();
    expect(results.map((r) => r.start)).toEqual(expected.map((e) => e.start));
    results.forEach((r, i) => {
      const e = expected[i]!;
      expect(r.sensor).toBe('ambient_temperature_system_failure');
      expect(r.values.count).toBe(e.count);
      expect(r.values.sum).toBeCloseTo(e.sum, 6);
      expect(r.values.min).toBe(e.min);
      expect(r.values.max).toBe(e.max);
    });
  });

  it('reads JSON lines, skips and reports unusable lines, and writes results to standard output', async () => {
    const config = path.join(dir.path, 'minute.yaml');
    await writeFile(config, `rules:\n  minute:\n    window: { size: 1m, allowed_lateness: 0s }\n    aggregates: [count, mean]\n`);
    const input = path.join(dir.path, 'readings.jsonl');
    await writeFile(
      input,
      [
        '{"sensor": "a", "value": 1, "timestamp": "2024-05-01T12:00:10Z"}',
        '{"sensor": "a", "value": 3, "timestamp": 1714564830000, "source": "lab", "tags": {"room": "n"}}',
        'not json',
        '{"sensor": "a", "value": "NaN", "timestamp": 1714564840000}',
        '{"sensor": "a", "value": 5, "timestamp": "2024-05-01T12:01:00Z"}',
      ].join('\n'),
    );
    const result = await tributary('replay', '--config', config, '--input', input);
    expect(result.code).toBe(0);
    const results = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(results.map((r) => [r.source, r.start, r.values])).toEqual([
      ['replay', Date.UTC(2024, 4, 1, 12, 0), { count: 1, mean: 1 }],
      ['lab', Date.UTC(2024, 4, 1, 12, 0), { count: 1, mean: 3 }],
      ['replay', Date.UTC(2024, 4, 1, 12, 1), { count: 1, mean: 5 }],
    ]);
    expect(result.stderr).toContain(`${input}:3: skipped: invalid JSON`);
    expect(result.stderr).toContain(`${input}:4: skipped: "value" is not a finite number`);
    expect(result.stderr).toContain('replayed 3 readings');
  });

  it('says what is missing when the input has no timestamp column', async () => {
    const input = path.join(dir.path, 'bad.csv');
    await writeFile(input, 'time,value\n2024-05-01 12:00:00,1\n');
    const result = await tributary('replay', '--config', 'rules/examples/greenhouse.yaml', '--input', input);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no column "timestamp" (columns: time, value); use --timestamp-column');
  });
});

describe('tributary test-rules', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir('test-rules');
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('passes every example shipped in rules/examples', async () => {
    const files = readdirSync(path.join(REPO, 'rules/examples')).filter((name) => name.endsWith('.test.yaml'));
    expect(files.length).toBeGreaterThan(0);
    const result = await tributary('test-rules', ...files.map((name) => `rules/examples/${name}`));
    expect(result.stdout).toMatch(/\d+ rule test\(s\), 0 failed/);
    expect(result.stdout).not.toContain('FAIL');
    expect(result.code).toBe(0);
  });

  it('prints each difference and exits 1 when results do not match', async () => {
    const file = path.join(dir.path, 'wrong.test.yaml');
    await writeFile(
      file,
      `config: ${path.join(REPO, 'rules/examples/greenhouse.yaml')}
tests:
  - name: wrong mean, a missing window and an unexpected one
    input:
      - sensor: greenhouse/temperature
        interval: 10s
        values: [20, 30]
    expect:
      - { rule: summary_10s, start: 0s, values: { count: 1, mean: 21 } }
      - { rule: summary_10s, start: 1h, values: { count: 1 } }
`,
    );
    const result = await tributary('test-rules', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL ${file}: wrong mean, a missing window and an unexpected one`);
    expect(result.stdout).toContain('differs:    summary_10s greenhouse greenhouse/temperature @0ms');
    expect(result.stdout).toContain('mean expected 21, got 20');
    expect(result.stdout).toContain('missing:    summary_10s @3600000ms {"count":1}');
    expect(result.stdout).toContain('unexpected: summary_10s greenhouse greenhouse/temperature @10000ms');
    expect(result.stdout).toContain('1 rule test(s), 1 failed');
  });

  it('points at mistakes in a test file with line and column', async () => {
    const file = path.join(dir.path, 'invalid.test.yaml');
    await writeFile(file, `config: x.yaml\ntests:\n  - name: t\n    input:\n      - sensor: a\n        values: [1]\n    expect: []\n    exakt: true\n`);
    const result = await tributary('test-rules', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${file}:5:9: tests.0.input.0.interval: missing required field "interval"`);
    expect(result.stdout).toContain(`${file}:8:5: tests.0.exakt: unknown key "exakt" (did you mean "exact"?)`);
  });
});
