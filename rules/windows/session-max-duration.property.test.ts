import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAggregates } from '../aggregates/compile-aggregates.js';
import type { WindowResult } from '../rule-result.js';
import { BY_SOURCE_AND_SENSOR } from './group-index.js';
import { SessionWindows } from './session-windows.js';

/*
 * Session windows with max_duration. Readings in time order are checked against a scan of the sorted readings (a
 * new session where the next reading is a gap or more after the last, or max_duration or more after the first).
 * Out of order, which session a straggler joins depends on what came before it, so there the promises are checked
 * instead: no session spans max_duration, sessions never overlap, every reading taken is in exactly one session,
 * two sessions closer than the gap together span max_duration or more, and each is emitted by the first advance that
 * reaches the earlier of its last reading plus the gap and its first reading plus max_duration.
 */

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const AGGREGATES = compileAggregates(['count', 'sum', 'min', 'max']);

interface Generated {
  readonly sensor: string;
  readonly ts: number;
  readonly value: number;
  readonly delay: number;
  readonly advanceFirst: boolean;
}

/** Now and then on a 500 ms grid, so readings fall exactly a gap or exactly max_duration apart. */
const onGridOrNot = (min: number, max: number) => fc.oneof(fc.integer({ min: Math.ceil(min / 500), max: max / 500 }).map((k) => k * 500), fc.integer({ min, max }));

const configArb = fc.record({
  gap: onGridOrNot(100, 3_000),
  extra: onGridOrNot(1, 15_000),
  lateness: fc.constantFrom(0, 500, 3_000),
});

const readingsArb = (maxDelay: number) =>
  fc.array(
    fc.record({
      sensor: fc.constantFrom('a', 'b'),
      ts: onGridOrNot(0, 60_000),
      value: fc.integer({ min: -1_000, max: 1_000 }),
      delay: fc.integer({ min: 0, max: maxDelay }),
      advanceFirst: fc.boolean(),
    }),
    { minLength: 1, maxLength: 120, size: 'max' },
  );

interface Emitted {
  readonly result: WindowResult;
  readonly before: number;
  readonly after: number;
}

function drive(operator: SessionWindows, generated: readonly Generated[], latenessMs: number) {
  const order = generated.map((g, index) => ({ g, index, arrival: T0 + g.ts + g.delay }));
  order.sort((x, y) => x.arrival - y.arrival || x.index - y.index);
  const emitted: Emitted[] = [];
  let watermark = Number.NEGATIVE_INFINITY;
  const advance = (now: number) => {
    const before = watermark;
    watermark = Math.max(watermark, now - latenessMs);
    const out: WindowResult[] = [];
    operator.advance(now, out);
    for (const result of out) emitted.push({ result, before, after: watermark });
  };
  for (const { g, arrival } of order) {
    if (g.advanceFirst) advance(arrival);
    operator.add({ source: 's', sensor: g.sensor, value: g.value, timestamp: T0 + g.ts, tags: {} });
  }
  advance(T0 + 10 * 60_000);
  return emitted;
}

/** [sensor, start, end, count, sum, min, max] of each session of sorted readings. */
function scanSessions(generated: readonly Generated[], gap: number, max: number): (string | number)[][] {
  const rows: (string | number)[][] = [];
  for (const sensor of ['a', 'b']) {
    const sorted = generated.filter((g) => g.sensor === sensor).sort((x, y) => x.ts - y.ts);
    let session: Generated[] = [];
    const close = () => {
      if (session.length === 0) return;
      const values = session.map((g) => g.value);
      rows.push([sensor, T0 + session[0]!.ts, T0 + session.at(-1)!.ts, session.length, values.reduce((a, b) => a + b, 0), Math.min(...values), Math.max(...values)]);
      session = [];
    };
    for (const g of sorted) {
      if (session.length > 0 && (g.ts - session.at(-1)!.ts >= gap || g.ts - session[0]!.ts >= max)) close();
      session.push(g);
    }
    close();
  }
  return rows;
}

function rowsOf(emitted: readonly Emitted[]): (string | number)[][] {
  return emitted
    .map(({ result: r }) => [r.sensor, r.start, r.end, r.values['count']!, r.values['sum']!, r.values['min']!, r.values['max']!])
    .sort((x, y) => String(x[0]).localeCompare(String(y[0])) || Number(x[1]) - Number(y[1]));
}

describe('session windows with max_duration', () => {
  it('cut readings that come in order where a gap ends a session or where it reaches max_duration', () => {
    fc.assert(
      fc.property(configArb, readingsArb(0), ({ gap, extra, lateness }, generated) => {
        const max = gap + extra;
        const operator = new SessionWindows('r', { type: 'session', gapMs: gap, maxDurationMs: max }, timing(lateness), AGGREGATES, BY_SOURCE_AND_SENSOR);
        const emitted = drive(operator, generated, lateness);
        expect(operator.counters.late).toBe(0);
        expect(rowsOf(emitted)).toEqual(scanSessions(generated, gap, max));
      }),
      { numRuns: 200 },
    );
  });

  it('keep every session under max_duration and apart, whatever order readings come in', () => {
    fc.assert(
      fc.property(configArb, readingsArb(20_000), ({ gap, extra, lateness }, generated) => {
        const max = gap + extra;
        const operator = new SessionWindows('r', { type: 'session', gapMs: gap, maxDurationMs: max }, timing(lateness), AGGREGATES, BY_SOURCE_AND_SENSOR);
        const emitted = drive(operator, generated, lateness);
        const total = emitted.reduce((n, e) => n + e.result.values['count']!, 0);
        expect(total + operator.counters.late).toBe(generated.length);
        for (const sensor of ['a', 'b']) {
          const mine = emitted.map((e) => e.result).filter((r) => r.sensor === sensor).sort((x, y) => x.start - y.start);
          mine.forEach((r, i) => {
            expect(r.end - r.start).toBeLessThan(max);
            const previous = mine[i - 1];
            if (previous === undefined) return;
            expect(r.start).toBeGreaterThan(previous.end);
            if (r.start - previous.end < gap) expect(r.end - previous.start).toBeGreaterThanOrEqual(max);
          });
        }
        for (const { result, before, after } of emitted) {
          const due = Math.min(result.end + gap, result.start + max);
          expect(due).toBeGreaterThan(before);
          expect(due).toBeLessThanOrEqual(after);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('are the sessions without max_duration when none lasts that long', () => {
    fc.assert(
      fc.property(configArb, readingsArb(20_000), ({ gap, lateness }, generated) => {
        const capped = new SessionWindows('r', { type: 'session', gapMs: gap, maxDurationMs: 64_000 }, timing(lateness), AGGREGATES, BY_SOURCE_AND_SENSOR);
        const plain = new SessionWindows('r', { type: 'session', gapMs: gap }, timing(lateness), AGGREGATES, BY_SOURCE_AND_SENSOR);
        // Every reading lies within 60 s and gaps are at most 3 s, so max_duration never comes before the gap.
        expect(drive(capped, generated, lateness)).toEqual(drive(plain, generated, lateness));
        expect(capped.counters).toEqual(plain.counters);
      }),
      { numRuns: 100 },
    );
  });
});

function timing(allowedLatenessMs: number) {
  return { time: 'event', allowedLatenessMs, late: 'drop', updateWithinMs: 0, empty: 'skip' } as const;
}
