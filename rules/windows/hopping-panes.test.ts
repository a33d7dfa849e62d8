import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAggregates, type AggregateItem } from '../aggregates/compile-aggregates.js';
import type { Reading } from '../reading.js';
import type { WindowResult } from '../rule-result.js';
import { BY_SOURCE_AND_SENSOR } from './group-index.js';
import { TimeWindows } from './time-windows.js';
import type { WindowTiming } from './window-spec.js';

/*
 * Hopping windows whose size is a multiple of the slide keep each reading once, in a pane of one slide, and merge a
 * window's panes when they emit it. The reference needs no panes: a hopping window [start, start + size) is also a
 * tumbling window of the same size offset to that start, so size/slide tumbling operators, one per offset, must
 * emit between them exactly the hopping operator's windows.
 */

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const AGGREGATES: AggregateItem[] = ['count', 'sum', 'min', 'max', 'first', 'last', 'mean', 'stddev', 'median', 'p95', 'twa', { integral: { unit: 's' } }];
/** Sums of several terms: equal up to rounding when the terms are grouped by pane. */
const ROUNDED = new Set(['sum', 'mean', 'stddev', 'twa', 'integral']);

function hopping(sizeMs: number, slideMs: number, timing: WindowTiming, offsetMs = 0): TimeWindows {
  return new TimeWindows('r', { type: 'hopping', sizeMs, slideMs, offsetMs }, timing, compileAggregates(AGGREGATES), BY_SOURCE_AND_SENSOR);
}

function tumbling(sizeMs: number, offsetMs: number, timing: WindowTiming): TimeWindows {
  return new TimeWindows('r', { type: 'tumbling', sizeMs, slideMs: sizeMs, offsetMs }, timing, compileAggregates(AGGREGATES), BY_SOURCE_AND_SENSOR);
}

function reading(sensor: string, timestamp: number, value: number): Reading {
  return { source: 'sim', sensor, value, timestamp, tags: {} };
}

const TIMING: WindowTiming = { time: 'event', allowedLatenessMs: 0, late: 'drop', updateWithinMs: 0, empty: 'skip' };

describe('hopping windows in panes', () => {
  it('keep each reading once, however many windows overlap', () => {
    // 1 min every 10 s: six windows hold each reading.
    const windows = hopping(60_000, 10_000, TIMING);
    for (let i = 0; i < 500; i++) windows.add(reading('meter', T0 + i * 100, i % 17));
    expect(windows.storedPoints()).toBe(500);
    // Windows that do not divide into slides keep a copy each (60 s every 25 s: up to three).
    const uneven = hopping(60_000, 25_000, TIMING);
    for (let i = 0; i < 500; i++) uneven.add(reading('meter', T0 + i * 100, i % 17));
    expect(uneven.storedPoints()).toBeGreaterThan(500);
  });

  it('let go of a pane once the last window covering it is emitted', () => {
    const windows = hopping(30_000, 10_000, TIMING);
    const out: WindowResult[] = [];
    for (let second = 0; second < 600; second++) {
      windows.add(reading('meter', T0 + second * 1_000, second));
      windows.advance(T0 + second * 1_000 + 1, out);
      // The window now filling and the two before it still open: at most three panes of ten readings, and the next.
      expect(windows.storedPoints()).toBeLessThanOrEqual(31);
    }
    const last = out.at(-1)!;
    expect([last.start - T0, last.end - T0, last.values.count, last.values.first, last.values.last]).toEqual([560_000, 590_000, 30, 560, 589]);
  });

  it('emit what tumbling windows at each offset emit', () => {
    const scenario = fc.record({
      slide: fc.integer({ min: 1, max: 20 }).map((s) => s * 500),
      panes: fc.integer({ min: 2, max: 6 }),
      offset: fc.integer({ min: 0, max: 9_999 }),
      lateness: fc.constantFrom(0, 700, 3_000),
      late: fc.constantFrom<'drop' | 'update'>('drop', 'update'),
      within: fc.constantFrom(0, 5_000),
      empty: fc.constantFrom<'skip' | 'emit'>('skip', 'emit'),
    });
    const arrivals = fc.array(
      fc.record({
        sensor: fc.constantFrom('a', 'b'),
        at: fc.integer({ min: 0, max: 90_000 }),
        value: fc.oneof(fc.integer({ min: -100, max: 100 }), fc.double({ min: -1e3, max: 1e3, noNaN: true })),
        delay: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 15_000 })),
        advanceFirst: fc.boolean(),
      }),
      { minLength: 1, maxLength: 300 },
    );
    fc.assert(
      fc.property(scenario, arrivals, ({ slide, panes, offset, lateness, late, within, empty }, generated) => {
        const size = slide * panes;
        const timing: WindowTiming = { time: 'event', allowedLatenessMs: lateness, late, updateWithinMs: within, empty };
        const subject = hopping(size, slide, timing, offset % slide);
        const references = Array.from({ length: panes }, (_, k) => tumbling(size, (offset % slide) + k * slide, timing));
        const operators = [subject, ...references];
        const outs: WindowResult[][] = operators.map(() => []);
        const advance = (now: number) => operators.forEach((operator, i) => operator.advance(now, outs[i]!));
        const ordered = generated.map((g, index) => ({ ...g, index, arrival: g.at + g.delay })).sort((x, y) => x.arrival - y.arrival || x.index - y.index);
        for (const g of ordered) {
          if (g.advanceFirst) advance(T0 + g.arrival);
          for (const operator of operators) operator.add(reading(g.sensor, T0 + g.at, g.value));
        }
        // Past every window (arrivals end by 105 s, windows last at most a minute), within the cap on empty windows.
        advance(T0 + 180_000);
        const key = (r: WindowResult) => `${r.sensor} ${r.start} ${r.revision ?? 0}`;
        // Empty windows are emitted for groups an operator has seen, which a reading late for one offset is not.
        const compared = (results: WindowResult[]) => results.filter((r) => empty === 'skip' || r.values.count! > 0);
        const expected = new Map(compared(outs.slice(1).flat()).map((r) => [key(r), r]));
        // A window the hopping operator emitted empty (it knew the group from another pane) takes a reading late for
        // it as a revision; a tumbling reference that had not seen the group has no window to revise and drops it.
        const emittedEmpty = new Set(outs[0]!.filter((r) => (r.revision ?? 0) === 0 && r.values.count === 0).map((r) => `${r.sensor} ${r.start}`));
        const actual = compared(outs[0]!).filter((r) => expected.has(key(r)) || !emittedEmpty.has(`${r.sensor} ${r.start}`));
        expect(actual.map(key).sort()).toEqual([...expected.keys()].sort());
        for (const result of actual) {
          const reference = expected.get(key(result))!;
          expect(result.end).toBe(reference.end);
          expect(Object.keys(result.values).sort()).toEqual(Object.keys(reference.values).sort());
          for (const [name, value] of Object.entries(result.values)) {
            const want = reference.values[name]!;
            if (ROUNDED.has(name)) expect(Math.abs(value - want), `${name} of ${key(result)}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)) + 1e-9);
            else expect(value, `${name} of ${key(result)}`).toBe(want);
          }
        }
        // Late readings: the hopping operator counts a reading once, however many of its windows it missed.
        const lateOf = (operator: TimeWindows) => operator.counters.late + operator.counters.lateUpdates;
        expect(lateOf(subject)).toBeLessThanOrEqual(references.reduce((sum, r) => sum + lateOf(r), 0));
      }),
      { numRuns: 200 },
    );
  });
});
