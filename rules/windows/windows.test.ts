import { describe, expect, it } from 'vitest';
import { compileAggregates } from '../aggregates/compile-aggregates.js';
import type { Reading, Tags } from '../reading.js';
import type { WindowResult } from '../rule-result.js';
import { CountWindows } from './count-windows.js';
import { BY_SOURCE_AND_SENSOR, type GroupBy } from './group-index.js';
import { SessionWindows } from './session-windows.js';
import { TimeWindows } from './time-windows.js';
import type { WindowOperator } from './window-operator.js';
import type { WindowTiming } from './window-spec.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0); // a whole minute: windows of 1s, 3s, 5s, 10s … start on it
const S = 1_000;
const AGGREGATES = ['count', 'sum', 'min', 'max'];

const TIMING: WindowTiming = { time: 'event', allowedLatenessMs: 0, late: 'drop', updateWithinMs: 0, empty: 'skip' };

function reading(at: number, value: number, sensor = 'greenhouse/temperature', source = 'sim', tags: Tags = {}): Reading {
  return { source, sensor, value, timestamp: T0 + at, tags };
}

/** An operator with results returned from advance, and times relative to T0. */
function driven(operator: WindowOperator) {
  return {
    counters: operator.counters,
    add(...readings: Reading[]) {
      for (const r of readings) operator.add(r);
    },
    advance(at: number): WindowResult[] {
      const out: WindowResult[] = [];
      operator.advance(T0 + at, out);
      return out;
    },
  };
}

function timeWindows(
  spec: { sizeMs: number; slideMs?: number; offsetMs?: number },
  timing: Partial<WindowTiming> = {},
  aggregates: string[] = AGGREGATES,
  groupBy: GroupBy = BY_SOURCE_AND_SENSOR,
) {
  const slideMs = spec.slideMs ?? spec.sizeMs;
  return driven(
    new TimeWindows(
      'r',
      { type: slideMs === spec.sizeMs ? 'tumbling' : 'hopping', sizeMs: spec.sizeMs, slideMs, offsetMs: spec.offsetMs ?? 0 },
      { ...TIMING, ...timing },
      compileAggregates(aggregates),
      groupBy,
    ),
  );
}

function sessionWindows(gapMs: number, allowedLatenessMs = 0, aggregates: string[] = AGGREGATES) {
  return driven(new SessionWindows('r', { type: 'session', gapMs }, { ...TIMING, allowedLatenessMs }, compileAggregates(aggregates), BY_SOURCE_AND_SENSOR));
}

function countWindows(size: number, slide = size, aggregates: string[] = [...AGGREGATES, 'first', 'last']) {
  return driven(new CountWindows('r', { type: 'count', size, slide }, compileAggregates(aggregates), BY_SOURCE_AND_SENSOR));
}

/** [start, end] relative to T0, and the values, of each result. */
function spans(results: WindowResult[]): [number, number, Record<string, number>][] {
  return results.map((r) => [r.start - T0, r.end - T0, r.values]);
}

describe('hopping time windows', () => {
  it('put a reading into every window of `size` that contains it, one starting every `slide`', () => {
    const window = timeWindows({ sizeMs: 10 * S, slideMs: 5 * S });
    window.add(reading(7 * S, 1));
    expect(spans(window.advance(60 * S))).toEqual([
      [0, 10 * S, { count: 1, sum: 1, min: 1, max: 1 }],
      [5 * S, 15 * S, { count: 1, sum: 1, min: 1, max: 1 }],
    ]);
  });

  it('put a reading into ⌈size/slide⌉ or ⌊size/slide⌋ windows when the slide does not divide the size', () => {
    const window = timeWindows({ sizeMs: 10 * S, slideMs: 3 * S });
    window.add(reading(9 * S, 1, 'a'), reading(1 * S, 1, 'b'));
    const results = window.advance(60 * S);
    const startsOf = (sensor: string) => results.filter((r) => r.sensor === sensor).map((r) => (r.start - T0) / S);
    expect(startsOf('a')).toEqual([0, 3, 6, 9]); // windows [s, s + 10) with 9 inside
    expect(startsOf('b')).toEqual([-6, -3, 0]);
  });

  it('sum each window over exactly the readings inside it, the start inclusive and the end exclusive', () => {
    const window = timeWindows({ sizeMs: 10 * S, slideMs: 5 * S });
    for (let second = 0; second < 20; second++) window.add(reading(second * S, second));
    expect(window.advance(60 * S).map((r) => [(r.start - T0) / S, r.values.count, r.values.sum])).toEqual([
      [-5, 5, 0 + 1 + 2 + 3 + 4],
      [0, 10, 45],
      [5, 10, 95],
      [10, 10, 145],
      [15, 5, 15 + 16 + 17 + 18 + 19],
    ]);
  });

  it('emit each window as soon as the time reaches its end, the overlapping later ones still open', () => {
    const window = timeWindows({ sizeMs: 10 * S, slideMs: 5 * S });
    window.add(reading(7 * S, 1));
    expect(window.advance(9_999)).toEqual([]);
    expect(spans(window.advance(10 * S)).map(([start, end]) => [start, end])).toEqual([[0, 10 * S]]);
    expect(window.advance(14_999)).toEqual([]);
    expect(spans(window.advance(15 * S)).map(([start, end]) => [start, end])).toEqual([[5 * S, 15 * S]]);
  });
});

describe('window offset', () => {
  it('shifts tumbling windows from the epoch by the offset', () => {
    const window = timeWindows({ sizeMs: 10 * S, offsetMs: 2 * S });
    window.add(reading(1 * S, 1), reading(2 * S, 2), reading(11_999, 3), reading(12 * S, 4));
    expect(window.advance(60 * S).map((r) => [(r.start - T0) / S, (r.end - T0) / S, r.values.sum])).toEqual([
      [-8, 2, 1],
      [2, 12, 5],
      [12, 22, 4],
    ]);
  });

  it('shifts hopping windows too', () => {
    const window = timeWindows({ sizeMs: 10 * S, slideMs: 5 * S, offsetMs: 1 * S });
    window.add(reading(500, 1));
    expect(window.advance(60 * S).map((r) => [(r.start - T0) / S, (r.end - T0) / S])).toEqual([
      [-9, 1],
      [-4, 6],
    ]);
  });
});

describe('session windows', () => {
  it('merge two sessions into one when an out-of-order reading bridges them', () => {
    const window = sessionWindows(10 * S, 60 * S);
    window.add(reading(0, 1), reading(5 * S, 2), reading(20 * S, 3), reading(22 * S, 4));
    expect(window.advance(30 * S)).toEqual([]);
    window.add(reading(12 * S, 5)); // 7 s after the first session, 8 s before the second
    expect(spans(window.advance(10 * 60 * S))).toEqual([[0, 22 * S, { count: 5, sum: 15, min: 1, max: 5 }]]);
  });

  it('keep sessions apart when the reading in between is not within the gap of both', () => {
    const window = sessionWindows(10 * S, 60 * S);
    window.add(reading(0, 1), reading(20 * S, 2), reading(10 * S, 3)); // 10 s from each: the gap itself
    expect(spans(window.advance(10 * 60 * S)).map(([start, end, values]) => [start, end, values.count])).toEqual([
      [0, 0, 1],
      [10 * S, 10 * S, 1],
      [20 * S, 20 * S, 1],
    ]);
  });

  it('start a new session when a reading comes exactly the gap after the last', () => {
    const window = sessionWindows(10 * S);
    window.add(reading(0, 1), reading(10 * S, 2), reading(19_999, 3));
    expect(spans(window.advance(10 * 60 * S)).map(([start, end, values]) => [start, end, values.count])).toEqual([
      [0, 0, 1],
      [10 * S, 19_999, 2],
    ]);
  });

  it('are emitted once the time less the allowed lateness reaches the last reading plus the gap', () => {
    const window = sessionWindows(10 * S, 1 * S);
    window.add(reading(0, 1), reading(4 * S, 2));
    expect(window.advance(14_999)).toEqual([]);
    expect(spans(window.advance(15 * S))).toEqual([[0, 4 * S, { count: 2, sum: 3, min: 1, max: 2 }]]);
  });

  it('take a straggler that falls inside a session still open, though a session of its own would be over', () => {
    const window = sessionWindows(10 * S);
    window.add(reading(0, 1), reading(8 * S, 2));
    expect(window.advance(16 * S)).toEqual([]); // the session [0, 8 s] is due at 18 s
    window.add(reading(5 * S, 4)); // 5 s + gap = 15 s is past, but the session it belongs to is open
    expect(window.counters.late).toBe(0);
    expect(spans(window.advance(18 * S))).toEqual([[0, 8 * S, { count: 3, sum: 7, min: 1, max: 4 }]]);
  });

  it('count as late a straggler whose own session is over and that would only stretch an open session backwards', () => {
    const window = sessionWindows(10 * S);
    window.add(reading(10 * S, 1), reading(18 * S, 2));
    expect(window.advance(27 * S)).toEqual([]); // the session [10 s, 18 s] is due at 28 s
    window.add(reading(5 * S, 4)); // within the gap of the open session, but before it, and 5 s + gap is past
    expect(window.counters.late).toBe(1);
    expect(spans(window.advance(28 * S))).toEqual([[10 * S, 18 * S, { count: 2, sum: 3, min: 1, max: 2 }]]);
  });

  it('count as late a reading that would have joined a session already emitted, rather than start another', () => {
    const window = sessionWindows(10 * S);
    window.add(reading(0, 1), reading(8 * S, 2));
    expect(window.advance(18 * S)).toHaveLength(1);
    window.add(reading(9 * S, 100)); // within the gap of the emitted session
    expect(window.counters.late).toBe(1);
    expect(window.advance(10 * 60 * S)).toEqual([]);
  });

  it('count as late a reading whose own session would already be over', () => {
    const window = sessionWindows(10 * S);
    window.advance(30 * S);
    window.add(reading(20 * S, 1));
    expect(window.counters.late).toBe(1);
    window.add(reading(20_001, 1)); // its session ends at 30.001 s: not over yet
    expect(window.counters.late).toBe(1);
    expect(spans(window.advance(10 * 60 * S)).map(([start, end]) => [start, end])).toEqual([[20_001, 20_001]]);
  });

  it('keep a session per source and sensor', () => {
    const window = sessionWindows(10 * S);
    window.add(reading(0, 1, 'a'), reading(5 * S, 2, 'b'), reading(8 * S, 3, 'a'));
    const results = window.advance(10 * 60 * S);
    expect(results.map((r) => [r.sensor, r.start - T0, r.end - T0, r.values.sum])).toEqual([
      ['b', 5 * S, 5 * S, 2], // sorted by end: the session's last reading
      ['a', 0, 8 * S, 4],
    ]);
  });
});

describe('count windows', () => {
  it('tumbling: put every reading into exactly one window of `size` readings, in arrival order', () => {
    const window = countWindows(3);
    window.add(reading(5, 1), reading(1, 2), reading(3, 3), reading(10, 4), reading(8, 5), reading(9, 6), reading(20, 7));
    expect(spans(window.advance(0))).toEqual([
      [1, 5, { count: 3, sum: 6, min: 1, max: 3, first: 2, last: 1 }],
      [8, 10, { count: 3, sum: 15, min: 4, max: 6, first: 5, last: 4 }],
    ]);
  });

  it('sliding (slide < size): every `slide` readings, aggregate the last `size`', () => {
    const window = countWindows(3, 1);
    for (let i = 1; i <= 5; i++) window.add(reading(i * 10, i));
    expect(spans(window.advance(0))).toEqual([
      [10, 30, { count: 3, sum: 6, min: 1, max: 3, first: 1, last: 3 }],
      [20, 40, { count: 3, sum: 9, min: 2, max: 4, first: 2, last: 4 }],
      [30, 50, { count: 3, sum: 12, min: 3, max: 5, first: 3, last: 5 }],
    ]);
  });

  it('sliding by 2 over 4: windows after the 4th, 6th and 8th readings', () => {
    const window = countWindows(4, 2);
    for (let i = 1; i <= 9; i++) window.add(reading(i, i));
    expect(window.advance(0).map((r) => [r.values.min, r.values.max, r.values.count])).toEqual([
      [1, 4, 4],
      [3, 6, 4],
      [5, 8, 4],
    ]);
  });

  it('take start and end from the earliest and latest timestamps, and first and last by timestamp, not arrival', () => {
    const window = countWindows(3, 1);
    window.add(reading(30, 1), reading(10, 2), reading(20, 3), reading(5, 4));
    expect(spans(window.advance(0))).toEqual([
      [10, 30, { count: 3, sum: 6, min: 1, max: 3, first: 2, last: 1 }],
      [5, 20, { count: 3, sum: 9, min: 2, max: 4, first: 4, last: 3 }],
    ]);
  });

  it('add a sliding window\'s readings in arrival order, so on equal timestamps first is the earlier arrival', () => {
    const window = countWindows(3, 1, ['first', 'last']);
    for (let i = 1; i <= 4; i++) window.add(reading(10, i));
    expect(window.advance(0).map((r) => r.values)).toEqual([
      { first: 1, last: 3 },
      { first: 2, last: 4 },
    ]);
  });

  it('count per source and sensor, and hand the results over on the next advance whatever its time', () => {
    const window = countWindows(2);
    window.add(reading(0, 1, 'a'), reading(0, 2, 'b'), reading(1, 3, 'a'));
    expect(window.advance(-1_000_000).map((r) => [r.sensor, r.values.sum])).toEqual([['a', 4]]);
    expect(window.advance(0)).toEqual([]);
    window.add(reading(-5_000_000, 4, 'b')); // time plays no part: never late
    expect(window.advance(0).map((r) => [r.sensor, r.values.sum])).toEqual([['b', 6]]);
    expect(window.counters.late).toBe(0);
  });
});

describe('group_by', () => {
  it('makes one result per value of a grouped-by tag, across sources and sensors, named after the rule', () => {
    const window = timeWindows({ sizeMs: 10 * S }, {}, AGGREGATES, { source: false, sensor: false, tags: ['room'] });
    window.add(
      reading(1 * S, 1, 'a', 'x', { room: 'north', device: 'd1' }),
      reading(2 * S, 2, 'b', 'y', { room: 'north', device: 'd2' }),
      reading(3 * S, 4, 'a', 'y', { room: 'south', device: 'd3' }),
    );
    const results = window.advance(10 * S);
    expect(results.map((r) => [r.source, r.sensor, r.tags, r.values.sum])).toEqual([
      ['r', 'r', { room: 'north' }, 3],
      ['r', 'r', { room: 'south' }, 4],
    ]);
  });

  it('puts readings without the grouped-by tag into a group of their own, without tags', () => {
    const window = timeWindows({ sizeMs: 10 * S }, {}, AGGREGATES, { source: false, sensor: false, tags: ['room'] });
    window.add(reading(1 * S, 1, 'a', 'x', { room: 'north' }), reading(2 * S, 2, 'a', 'x', { device: 'd1' }), reading(3 * S, 4, 'b', 'x'));
    expect(window.advance(10 * S).map((r) => [r.tags, r.values.sum])).toEqual([
      [{ room: 'north' }, 1],
      [{}, 6],
    ]);
  });

  it('keeps the parts grouped by and replaces the others by the rule name', () => {
    const window = timeWindows({ sizeMs: 10 * S }, {}, AGGREGATES, { source: false, sensor: true, tags: ['room'] });
    window.add(
      reading(1 * S, 1, 'a', 'x', { room: 'north' }),
      reading(2 * S, 2, 'a', 'y', { room: 'north' }),
      reading(3 * S, 4, 'b', 'x', { room: 'north' }),
    );
    expect(window.advance(10 * S).map((r) => [r.source, r.sensor, r.tags, r.values.sum])).toEqual([
      ['r', 'a', { room: 'north' }, 3],
      ['r', 'b', { room: 'north' }, 4],
    ]);
  });

  it('carries only grouped-by tags on a group across sensors, not those of whichever reading came first', () => {
    const window = timeWindows({ sizeMs: 10 * S }, {}, AGGREGATES, { source: true, sensor: false, tags: [] });
    window.add(reading(1 * S, 1, 'a', 'x', { room: 'north' }), reading(2 * S, 2, 'b', 'x', { room: 'south' }));
    expect(window.advance(10 * S).map((r) => [r.source, r.sensor, r.tags, r.values.sum])).toEqual([['x', 'r', {}, 3]]);
  });

  it('splits by every part grouped by', () => {
    const window = timeWindows({ sizeMs: 10 * S }, {}, AGGREGATES, { source: true, sensor: true, tags: ['room'] });
    window.add(
      reading(1 * S, 1, 'a', 'x', { room: 'north' }),
      reading(2 * S, 2, 'a', 'x', { room: 'south' }),
      reading(3 * S, 4, 'a', 'y', { room: 'north' }),
      reading(4 * S, 8, 'a', 'x', { room: 'north' }),
    );
    const results = window.advance(10 * S).map((r) => [r.source, r.sensor, r.tags.room, r.values.sum]);
    expect(results).toHaveLength(3);
    expect(results).toEqual(
      expect.arrayContaining([
        ['x', 'a', 'north', 9],
        ['x', 'a', 'south', 2],
        ['y', 'a', 'north', 4],
      ]),
    );
  });

  it('groups session and count windows the same way', () => {
    const byRoom: GroupBy = { source: false, sensor: false, tags: ['room'] };
    const aggregates = compileAggregates(AGGREGATES);
    const sessions = driven(new SessionWindows('r', { type: 'session', gapMs: 10 * S }, TIMING, aggregates, byRoom));
    const counts = driven(new CountWindows('r', { type: 'count', size: 2, slide: 2 }, aggregates, byRoom));
    for (const window of [sessions, counts]) {
      window.add(reading(0, 1, 'a', 'x', { room: 'north' }), reading(1 * S, 2, 'b', 'y', { room: 'north' }), reading(2 * S, 4, 'c', 'z', { room: 'south' }));
    }
    counts.add(reading(3 * S, 8, 'd', 'z', { room: 'south' }));
    for (const window of [sessions, counts]) {
      expect(window.advance(10 * 60 * S).map((r) => [r.source, r.sensor, r.tags, r.values.sum])).toEqual([
        ['r', 'r', { room: 'north' }, 3],
        ['r', 'r', { room: 'south' }, window === counts ? 12 : 4],
      ]);
    }
  });
});

describe('late: update', () => {
  it('adds a late reading to its emitted window and emits the window again with revision 1, 2 …', () => {
    const window = timeWindows({ sizeMs: 10 * S }, { late: 'update', updateWithinMs: 30 * S });
    window.add(reading(1 * S, 1));
    const [first] = window.advance(10 * S);
    expect(first).toMatchObject({ start: T0, values: { count: 1, sum: 1 } });
    expect(first).not.toHaveProperty('revision');

    window.add(reading(2 * S, 2));
    expect(window.advance(10 * S)).toEqual([{ ...first, values: { count: 2, sum: 3, min: 1, max: 2 }, revision: 1 }]);
    window.add(reading(3 * S, -4), reading(4 * S, 10)); // two readings before the next advance: one revision
    expect(window.advance(12 * S)).toEqual([{ ...first, values: { count: 4, sum: 9, min: -4, max: 10 }, revision: 2 }]);
    expect(window.counters).toEqual({ late: 0, lateUpdates: 3, emptySkipped: 0 });
    expect(window.advance(60 * S)).toEqual([]);
  });

  it('emits an update together with the windows that close in the same advance, sorted by end', () => {
    const window = timeWindows({ sizeMs: 10 * S }, { late: 'update', updateWithinMs: 30 * S });
    window.add(reading(1 * S, 1));
    window.advance(10 * S);
    window.add(reading(15 * S, 5), reading(2 * S, 2));
    expect(window.advance(20 * S).map((r) => [r.start - T0, r.revision, r.values.sum])).toEqual([
      [0, 1, 3],
      [10 * S, undefined, 5],
    ]);
  });

  it('stops updating a window `update_within` after it was emitted; later readings are dropped and counted', () => {
    const window = timeWindows({ sizeMs: 10 * S }, { late: 'update', updateWithinMs: 5 * S });
    window.add(reading(1 * S, 1));
    expect(window.advance(10 * S)).toHaveLength(1);
    window.add(reading(2 * S, 2));
    expect(window.advance(14_999).map((r) => r.revision)).toEqual([1]);
    expect(window.advance(15 * S)).toEqual([]);
    window.add(reading(3 * S, 3));
    expect(window.advance(60 * S)).toEqual([]);
    expect(window.counters).toEqual({ late: 1, lateUpdates: 1, emptySkipped: 0 });
  });

  it('updates the emitted hopping window and fills the open one with the same reading', () => {
    const window = timeWindows({ sizeMs: 10 * S, slideMs: 5 * S }, { late: 'update', updateWithinMs: 30 * S });
    window.add(reading(7 * S, 1));
    expect(window.advance(10 * S).map((r) => r.start - T0)).toEqual([0]);
    window.add(reading(8 * S, 2)); // in [0, 10 s), emitted, and [5 s, 15 s), open
    expect(window.advance(10 * S).map((r) => [r.start - T0, r.revision, r.values.sum])).toEqual([[0, 1, 3]]);
    expect(window.advance(15 * S).map((r) => [r.start - T0, r.revision, r.values.sum])).toEqual([[5 * S, undefined, 3]]);
  });

  it('drops a late reading for a window that had no readings and so was never emitted', () => {
    const window = timeWindows({ sizeMs: 10 * S }, { late: 'update', updateWithinMs: 30 * S });
    window.add(reading(15 * S, 1));
    window.advance(20 * S);
    window.add(reading(5 * S, 2));
    expect(window.advance(25 * S)).toEqual([]);
    expect(window.counters).toEqual({ late: 1, lateUpdates: 0, emptySkipped: 0 });
  });
});

describe('empty: emit', () => {
  it('emits count 0 windows for the gaps of a group seen before, leaving out aggregates without a value', () => {
    const window = timeWindows({ sizeMs: 10 * S }, { empty: 'emit' }, ['count', 'sum', 'mean']);
    window.add(reading(1 * S, 2), reading(35 * S, 4));
    expect(spans(window.advance(40 * S))).toEqual([
      [0, 10 * S, { count: 1, sum: 2, mean: 2 }],
      [10 * S, 20 * S, { count: 0, sum: 0 }],
      [20 * S, 30 * S, { count: 0, sum: 0 }],
      [30 * S, 40 * S, { count: 1, sum: 4, mean: 4 }],
    ]);
    expect(spans(window.advance(60 * S)).map(([start, , values]) => [start, values.count])).toEqual([
      [40 * S, 0],
      [50 * S, 0],
    ]);
  });

  it('emits nothing for a group never seen, and nothing before a group\'s first window', () => {
    const window = timeWindows({ sizeMs: 10 * S }, { empty: 'emit' });
    expect(window.advance(30 * S)).toEqual([]);
    window.add(reading(45 * S, 1));
    expect(window.advance(50 * S).map((r) => r.start - T0)).toEqual([40 * S]);
  });

  it('fills every hopping window of the gap', () => {
    const window = timeWindows({ sizeMs: 10 * S, slideMs: 5 * S }, { empty: 'emit' });
    window.add(reading(1 * S, 1), reading(31 * S, 1));
    expect(window.advance(40 * S).map((r) => [(r.start - T0) / S, r.values.count])).toEqual([
      [-5, 1],
      [0, 1],
      [5, 0],
      [10, 0],
      [15, 0],
      [20, 0],
      [25, 1],
      [30, 1],
    ]);
  });

  it('still takes a straggler for an earlier window of a new group while other groups emit', () => {
    const window = timeWindows({ sizeMs: 1 * S }, { empty: 'emit', allowedLatenessMs: 10 * S });
    window.add(reading(0, 1, 'a'), reading(5 * S, 1, 'b'));
    expect(window.advance(11 * S).map((r) => r.sensor)).toEqual(['a']);
    window.add(reading(3 * S, 7, 'b')); // its window ends at 4 s, past the watermark of 1 s: not late
    expect(window.counters.late).toBe(0);
    const b = window.advance(16 * S).filter((r) => r.sensor === 'b');
    expect(b.map((r) => [(r.start - T0) / S, r.values.count])).toEqual([
      [3, 1],
      [4, 0],
      [5, 1],
    ]);
  });

  it(`emits at most ${1_000} empty windows per group in one advance and counts the others as skipped`, () => {
    const window = timeWindows({ sizeMs: 1 * S }, { empty: 'emit' }, ['count']);
    window.add(reading(0, 1));
    expect(window.advance(1 * S)).toHaveLength(1);
    const results = window.advance(5_001 * S); // windows 1 s … 5000 s are due: 5000 empty ones
    expect(results).toHaveLength(1_000);
    expect(results.map((r) => (r.start - T0) / S)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    expect(window.counters.emptySkipped).toBe(4_000);

    window.add(reading(5_001_500, 3)); // the next window still takes readings and is emitted in turn
    expect(window.counters.late).toBe(0);
    expect(window.advance(5_003 * S).map((r) => [(r.start - T0) / S, r.values.count])).toEqual([
      [5_001, 1],
      [5_002, 0],
    ]);
    expect(window.counters.emptySkipped).toBe(4_000);
  });

  it('past the cap, still emits the windows that hold readings, and skips only windows already due', () => {
    const window = timeWindows({ sizeMs: 1 * S }, { empty: 'emit' }, ['count']);
    window.add(reading(0, 1));
    window.advance(1 * S);
    window.add(reading(1_500_500, 1), reading(3_000_500, 1));
    // Due: 1 s … 2499 s. 1000 empty ones are emitted, the one at 1500 s holds a reading, the rest up to 2499 s skipped.
    const results = window.advance(2_500 * S);
    expect(results).toHaveLength(1_001);
    expect(results.filter((r) => r.values.count === 1).map((r) => (r.start - T0) / S)).toEqual([1_500]);
    expect(window.counters.emptySkipped).toBe(2_499 - 1_000 - 1);

    window.add(reading(2_700_000, 1)); // the window at 2700 s is not due yet: not late
    expect(window.counters.late).toBe(0);
    const later = window.advance(3_001 * S);
    expect(later.filter((r) => r.values.count === 1).map((r) => (r.start - T0) / S)).toEqual([2_700, 3_000]);
    expect(later).toHaveLength(3_001 - 2_500);
  });
});
