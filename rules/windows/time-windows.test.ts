import { describe, expect, it } from 'vitest';
import { compileAggregates } from '../aggregates/compile-aggregates.js';
import type { Reading, Tags } from '../reading.js';
import type { WindowResult } from '../rule-result.js';
import { BY_SOURCE_AND_SENSOR } from './group-index.js';
import { TimeWindows } from './time-windows.js';

const AGGREGATE_NAMES = ['count', 'sum', 'mean', 'min', 'max', 'first', 'last'];

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0); // a whole minute, so windows of 10s start on it

function reading(timestamp: number, value: number, sensor = 'greenhouse/temperature', source = 'sim', tags: Tags = {}): Reading {
  return { source, sensor, value, timestamp, tags };
}

/** A tumbling window with results returned from advance, as the tests read best. */
function windowOf(sizeMs: number, allowedLatenessMs = 0, aggregates: string[] = AGGREGATE_NAMES) {
  const window = new TimeWindows(
    'r',
    { type: 'tumbling', sizeMs, slideMs: sizeMs, offsetMs: 0 },
    { time: 'event', allowedLatenessMs, late: 'drop', updateWithinMs: 0, empty: 'skip' },
    compileAggregates(aggregates),
    BY_SOURCE_AND_SENSOR,
  );
  return {
    add: (reading: Reading) => window.add(reading),
    advance(now: number): WindowResult[] {
      const out: WindowResult[] = [];
      window.advance(now, out);
      return out;
    },
    get lateReadings() {
      return window.counters.late;
    },
  };
}

describe('tumbling time windows', () => {
  it('aligns windows to the epoch, not to the first reading', () => {
    const window = windowOf(10_000);
    window.add(reading(T0 + 3_700, 1));
    const [result] = window.advance(T0 + 10_000);
    expect(result).toMatchObject({ start: T0, end: T0 + 10_000 });
  });

  it('starts every window empty, although it reuses the state of emitted ones', () => {
    const everything = ['count', 'sum', 'stddev', 'first', 'last', 'median', 'p99', 'twa', 'integral', { histogram: { buckets: [0, 10] } }];
    const window = windowOf(10_000, 0, everything as string[]);
    // Enough values in the first window that its percentile store moves to a sketch.
    for (let i = 0; i < 3_000; i++) window.add(reading(T0 + i, 1_000 + i));
    const [first] = window.advance(T0 + 10_000);
    expect(first!.values.count).toBe(3_000);
    window.add(reading(T0 + 12_000, 5));
    window.add(reading(T0 + 14_000, 7));
    const [second] = window.advance(T0 + 20_000);
    const fresh = windowOf(10_000, 0, everything as string[]);
    fresh.add(reading(T0 + 12_000, 5));
    fresh.add(reading(T0 + 14_000, 7));
    expect(second).toEqual(fresh.advance(T0 + 20_000)[0]);
    expect(second!.values).toMatchObject({ count: 2, sum: 12, first: 5, last: 7, median: 6 });
  });

  it('computes count, sum, mean, min, max, first and last exactly', () => {
    const window = windowOf(10_000);
    for (const [offset, value] of [[1_000, 4], [2_000, -2], [3_000, 10], [9_999, 0.5]] as const) {
      window.add(reading(T0 + offset, value));
    }
    expect(window.advance(T0 + 10_000)).toEqual([
      {
        kind: 'window',
        rule: 'r',
        source: 'sim',
        sensor: 'greenhouse/temperature',
        tags: {},
        start: T0,
        end: T0 + 10_000,
        values: { count: 4, sum: 12.5, mean: 3.125, min: -2, max: 10, first: 4, last: 0.5 },
      },
    ]);
  });

  it('emits only the aggregates the rule asks for, in its order', () => {
    const window = windowOf(1_000, 0, ['max', 'count']);
    window.add(reading(T0, 7));
    const [result] = window.advance(T0 + 1_000);
    expect(Object.keys(result!.values)).toEqual(['max', 'count']);
  });

  it('puts a reading exactly on a boundary into the window that starts there', () => {
    const window = windowOf(10_000);
    window.add(reading(T0 + 9_999, 1));
    window.add(reading(T0 + 10_000, 2));
    const results = window.advance(T0 + 20_000);
    expect(results.map((r) => [r.start - T0, r.values.count, r.values.first])).toEqual([
      [0, 1, 1],
      [10_000, 1, 2],
    ]);
  });

  it('does not emit a window before the time passed to advance reaches its end', () => {
    const window = windowOf(10_000);
    window.add(reading(T0 + 1_000, 1));
    expect(window.advance(T0 + 9_999)).toEqual([]);
    expect(window.advance(T0 + 10_000)).toHaveLength(1);
  });

  it('waits the allowed lateness past the end before emitting', () => {
    const window = windowOf(10_000, 2_000);
    window.add(reading(T0 + 1_000, 1));
    expect(window.advance(T0 + 10_000)).toEqual([]);
    expect(window.advance(T0 + 11_999)).toEqual([]);
    expect(window.advance(T0 + 12_000)).toHaveLength(1);
  });

  it('still counts a reading that arrives within the allowed lateness', () => {
    const window = windowOf(10_000, 2_000);
    window.add(reading(T0 + 1_000, 1));
    window.advance(T0 + 11_000);
    window.add(reading(T0 + 9_000, 3));
    const [result] = window.advance(T0 + 12_000);
    expect(result?.values).toMatchObject({ count: 2, sum: 4 });
    expect(window.lateReadings).toBe(0);
  });

  it('counts a reading for a window that has already closed as late and drops it', () => {
    const window = windowOf(10_000, 2_000);
    window.add(reading(T0 + 1_000, 1));
    expect(window.advance(T0 + 12_000)).toHaveLength(1);
    window.add(reading(T0 + 9_000, 100));
    expect(window.lateReadings).toBe(1);
    expect(window.advance(T0 + 60_000)).toEqual([]);
  });

  it('counts a reading as late when its window closed with no readings at all', () => {
    const window = windowOf(10_000);
    window.advance(T0 + 10_000);
    window.add(reading(T0 + 5_000, 1));
    expect(window.lateReadings).toBe(1);
    expect(window.advance(T0 + 100_000)).toEqual([]);
  });

  it('keeps separate windows per source and sensor', () => {
    const window = windowOf(10_000);
    window.add(reading(T0 + 1_000, 1, 'a', 'sim'));
    window.add(reading(T0 + 2_000, 2, 'b', 'sim'));
    window.add(reading(T0 + 3_000, 3, 'a', 'other'));
    window.add(reading(T0 + 4_000, 4, 'a', 'sim'));
    const results = window.advance(T0 + 10_000);
    const bySeries = results.map((r) => [r.source, r.sensor, r.values.count, r.values.sum]);
    expect(bySeries).toHaveLength(3);
    expect(bySeries).toEqual(
      expect.arrayContaining([
        ['sim', 'a', 2, 5],
        ['sim', 'b', 1, 2],
        ['other', 'a', 1, 3],
      ]),
    );
  });

  it('does not mix up a source and sensor whose names run together', () => {
    const window = windowOf(10_000);
    window.add(reading(T0, 1, 'b/c', 'a'));
    window.add(reading(T0, 2, 'c', 'a/b'));
    expect(window.advance(T0 + 10_000)).toHaveLength(2);
  });

  it('carries the tags of the sensor into the result', () => {
    const window = windowOf(10_000);
    window.add(reading(T0, 1, 'a', 'sim', { room: 'north' }));
    expect(window.advance(T0 + 10_000)[0]?.tags).toEqual({ room: 'north' });
  });

  it('returns the windows that close together sorted by end', () => {
    const window = windowOf(10_000, 0);
    window.add(reading(T0 + 25_000, 1, 'b'));
    window.add(reading(T0 + 1_000, 1, 'b'));
    window.add(reading(T0 + 15_000, 1, 'a'));
    window.add(reading(T0 + 5_000, 1, 'c'));
    const ends = window.advance(T0 + 30_000).map((r) => r.end - T0);
    expect(ends).toEqual([10_000, 10_000, 20_000, 30_000]);
  });

  it('keeps readings that arrive out of order in their own windows', () => {
    const window = windowOf(10_000, 30_000);
    window.add(reading(T0 + 25_000, 3));
    window.add(reading(T0 + 5_000, 1));
    window.add(reading(T0 + 15_000, 2));
    const results = window.advance(T0 + 60_000);
    expect(results.map((r) => [r.start - T0, r.values.sum])).toEqual([
      [0, 1],
      [10_000, 2],
      [20_000, 3],
    ]);
  });

  it('emits no result for a sensor with no readings in a window', () => {
    const window = windowOf(10_000);
    window.add(reading(T0 + 1_000, 1, 'a'));
    window.add(reading(T0 + 21_000, 1, 'a'));
    const results = window.advance(T0 + 30_000);
    expect(results.map((r) => r.start - T0)).toEqual([0, 20_000]);
  });

  it('emits nothing when no reading arrived', () => {
    expect(windowOf(1_000).advance(T0)).toEqual([]);
  });

  it('never emits a window twice when advanced again', () => {
    const window = windowOf(10_000);
    window.add(reading(T0 + 1_000, 1));
    expect(window.advance(T0 + 10_000)).toHaveLength(1);
    expect(window.advance(T0 + 10_000)).toEqual([]);
    expect(window.advance(T0 + 50_000)).toEqual([]);
  });

  it('does not move time backwards when advance is called with an earlier time', () => {
    const window = windowOf(10_000);
    window.advance(T0 + 20_000);
    window.advance(T0);
    window.add(reading(T0 + 5_000, 1));
    expect(window.lateReadings).toBe(1);
  });

  it('emits a window that opens after earlier ones closed', () => {
    const window = windowOf(10_000);
    window.add(reading(T0 + 1_000, 1));
    window.advance(T0 + 10_000);
    window.add(reading(T0 + 11_000, 2));
    expect(window.advance(T0 + 19_999)).toEqual([]);
    expect(window.advance(T0 + 20_000).map((r) => r.values.sum)).toEqual([2]);
  });

  it('handles readings before 1970 in epoch-aligned windows', () => {
    const window = windowOf(10_000);
    window.add(reading(-1, 1));
    expect(window.advance(0)).toMatchObject([{ start: -10_000, end: 0 }]);
  });

  it('refuses a window size of zero, which would never close', () => {
    expect(() => windowOf(0)).toThrow(/window size and slide must be at least 1ms/);
  });
});
