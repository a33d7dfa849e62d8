import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../rules/reading.js';
import type { RuleResult } from '../../rules/rule-result.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { queryHistory, type HistoryQuery } from './history-query.js';
import { LocalHistory } from './local-history.js';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const reading = (sensor: string, timestamp: number, value: number, tags: Record<string, string> = {}): Reading => ({ source: 'sim', sensor, timestamp, value, tags });
const window = (rule: string, sensor: string, start: number, mean: number): RuleResult => ({
  kind: 'window',
  rule,
  source: 'sim',
  sensor,
  tags: {},
  start,
  end: start + 60_000,
  values: { count: 6, mean },
});
const everything: HistoryQuery = { what: 'results', from: 0, to: Number.MAX_SAFE_INTEGER, sensors: [], rules: [], limit: 1_000, newest: false };

describe('local history', () => {
  let dir: TempDir;
  let file: string;
  beforeEach(async () => {
    dir = await makeTempDir('history');
    file = path.join(dir.path, 'history.sqlite');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('keeps results and readings, committed together, and reads them back in time order with their tags', () => {
    const history = new LocalHistory(file, { readingsMs: DAY, resultsMs: 7 * DAY, synchronous: 'normal' });
    history.open();
    history.recordReading(reading('greenhouse/temperature', T0 + 2_000, 21.5, { site: 'north' }));
    history.recordReading(reading('greenhouse/humidity', T0 + 1_000, 60));
    history.recordResult(window('climate_1m', 'greenhouse/temperature', T0, 21.25));
    // Nothing is written before the commit: rows are queued to be written in one transaction.
    expect(queryHistory(file, everything)).toEqual([]);
    history.commit(T0 + 3_000);
    expect(queryHistory(file, { ...everything, what: 'readings' })).toEqual([
      { time: T0 + 1_000, source: 'sim', sensor: 'greenhouse/humidity', value: 60, tags: {} },
      { time: T0 + 2_000, source: 'sim', sensor: 'greenhouse/temperature', value: 21.5, tags: { site: 'north' } },
    ]);
    expect(queryHistory(file, everything)).toEqual([
      { time: T0, source: 'sim', sensor: 'greenhouse/temperature', result: window('climate_1m', 'greenhouse/temperature', T0, 21.25) },
    ]);
    history.close(T0 + 4_000);
  });

  it('filters by sensor glob, rule and time range, and limits to the newest rows', () => {
    const history = new LocalHistory(file, { readingsMs: 0, resultsMs: 7 * DAY, synchronous: 'normal' });
    history.open();
    for (let minute = 0; minute < 10; minute++) {
      history.recordResult(window('climate_1m', 'greenhouse/temperature', T0 + minute * 60_000, 20 + minute));
      history.recordResult(window('climate_1m', 'shed/temperature', T0 + minute * 60_000, 10 + minute));
      history.recordResult(window('soil_1m', 'greenhouse/soil', T0 + minute * 60_000, 30));
    }
    history.commit(T0 + 11 * 60_000);
    const sensorsOf = (query: Partial<HistoryQuery>) => queryHistory(file, { ...everything, ...query }).map((row) => `${row.sensor}@${(row.time - T0) / 60_000}`);
    expect(sensorsOf({ sensors: ['greenhouse/*'], rules: ['climate_1m'], from: T0 + 3 * 60_000, to: T0 + 5 * 60_000 })).toEqual([
      'greenhouse/temperature@3',
      'greenhouse/temperature@4',
    ]);
    expect(sensorsOf({ sensors: ['*/temperature'], limit: 3, newest: true })).toEqual([
      'shed/temperature@8',
      'greenhouse/temperature@9',
      'shed/temperature@9',
    ]);
    expect(sensorsOf({ sensors: ['**'], rules: ['soil_1m'], limit: 2 })).toEqual(['greenhouse/soil@0', 'greenhouse/soil@1']);
    history.close(T0 + 12 * 60_000);
  });

  it('deletes rows past their retention, each kind after its own', () => {
    const history = new LocalHistory(file, { readingsMs: HOUR, resultsMs: DAY, synchronous: 'normal' });
    history.open();
    for (let hour = 0; hour < 48; hour++) {
      history.recordReading(reading('a', T0 + hour * HOUR, hour));
      history.recordResult(window('r', 'a', T0 + hour * HOUR, hour));
    }
    history.commit(T0 + 48 * HOUR);
    const readings = queryHistory(file, { ...everything, what: 'readings' });
    const results = queryHistory(file, everything);
    expect(readings.map((row) => row.value)).toEqual([47]);
    expect(results.map((row) => (row.time - T0) / HOUR)).toEqual(Array.from({ length: 24 }, (_, i) => 24 + i));
    history.close(T0 + 48 * HOUR);
  });

  it('creates no file when nothing is to be kept', () => {
    const history = new LocalHistory(file, { readingsMs: 0, resultsMs: 0, synchronous: 'normal' });
    history.open();
    history.recordReading(reading('a', T0, 1));
    history.commit(T0);
    history.close(T0);
    expect(existsSync(file)).toBe(false);
    expect(() => queryHistory(file, everything)).toThrow(/no history at .*history.sqlite.*history.results/);
  });

  it('can be read while the agent keeps writing', () => {
    const history = new LocalHistory(file, { readingsMs: DAY, resultsMs: DAY, synchronous: 'normal' });
    history.open();
    for (let i = 0; i < 5; i++) {
      history.recordReading(reading('a', T0 + i, i));
      history.commit(T0 + i);
      expect(queryHistory(file, { ...everything, what: 'readings' })).toHaveLength(i + 1);
    }
    history.close(T0 + 10);
  });
});
