import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compileAggregates, type AggregateItem, type WindowAccumulator } from './compile-aggregates.js';
import { SKETCH_RELATIVE_ACCURACY } from './relative-sketch.js';

// Every aggregate checked against an independent computation: SQLite for what SQL can say, and plain references
// written differently from the code under test (sort first, then one obvious loop) for the rest.

const END = 100_000;

interface Reading {
  readonly time: number;
  readonly value: number;
}

/** Readings in arrival order: times in a 100 s window with many repeats, values of many magnitudes. */
const readingsArbitrary = (minLength: number, maxLength: number) =>
  fc.array(
    fc.record({
      time: fc.oneof(fc.integer({ min: 0, max: 20 }).map((s) => s * 5_000), fc.integer({ min: 0, max: END - 1 })),
      value: fc.oneof(
        fc.integer({ min: -1_000, max: 1_000 }),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e9, max: 1e9 + 1, noNaN: true }),
      ),
    }),
    { minLength, maxLength },
  );

// PROPERTY_RUNS=<n> draws more cases when hunting a rare failure (with FC_SEED=<n> to replay one).
const PROPERTY_RUNS = { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) };

function emit(accumulator: WindowAccumulator, end = END): Record<string, number> {
  const out: Record<string, number> = {};
  accumulator.emit(out, 0, end);
  return out;
}

function feed(items: AggregateItem[], readings: readonly Reading[], exactLimit?: number): Record<string, number> {
  const accumulator = compileAggregates(items, { exactLimit }).create();
  for (const { time, value } of readings) accumulator.add(value, time);
  return emit(accumulator);
}

/** |actual − expected| within `relative` of `scale` (or of |expected| when no scale is given). */
function expectClose(actual: number | undefined, expected: number | null | undefined, relative: number, scale?: number, label?: string): void {
  expect(actual, label).toBeTypeOf('number');
  expect(expected, label).toBeTypeOf('number');
  // The absolute floor only matters for subnormal values (fast-check tries 5e-324), where rounding is all there is.
  const tolerance = relative * (scale ?? Math.abs(expected!)) + 1e-300;
  expect(Math.abs(actual! - expected!), `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

/**
 * How far a sample variance of n readings may lie from SQL's two-pass one: 1e-12 of it for the roundings of n ≤ 60
 * squares and their sum (a few dozen ε either side); n·ε²·max|v|² because SQL's mean is rounded, by up to ε·|mean|,
 * which adds n·(that error)² to Σ(v − mean)² (values 1 ulp apart around 1e9 get twice their variance; ours shifts by
 * the first value, so its rounding is the spread's); and (n + 1)·Number.MIN_VALUE because squares below 2^-1022
 * round to multiples of it, an absolute error no relative term can hold.
 */
function varianceTolerance(variance: number, largestSquared: number, n: number): number {
  return 1e-12 * variance + n * Number.EPSILON ** 2 * largestSquared + (n + 1) * Number.MIN_VALUE;
}

/** Sorted by time, ties in arrival order: a stable sort of the arrival order. */
function byTime(readings: readonly Reading[]): Reading[] {
  return readings.map((reading, arrival) => ({ ...reading, arrival })).sort((a, b) => a.time - b.time || a.arrival - b.arrival);
}

function typeSevenPercentile(values: readonly number[], percent: number): { value: number; below: number; above: number; fraction: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const h = ((sorted.length - 1) * percent) / 100;
  const low = Math.floor(h);
  const high = Math.ceil(h);
  const below = sorted[low]!;
  const above = sorted[high]!;
  return { value: below + (h - low) * (above - below), below, above, fraction: h - low };
}

describe('basic statistics against SQLite', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE r (arrival INTEGER, ts REAL, v REAL)');
  const insert = db.prepare('INSERT INTO r VALUES (?, ?, ?)');
  const summary = db.prepare<[], { n: number; total: number; average: number; low: number; high: number; magnitude: number }>(
    'SELECT count(*) AS n, sum(v) AS total, avg(v) AS average, min(v) AS low, max(v) AS high, sum(abs(v)) AS magnitude FROM r',
  );
  const first = db.prepare<[], { v: number }>('SELECT v FROM r ORDER BY ts ASC, arrival ASC LIMIT 1');
  const last = db.prepare<[], { v: number }>('SELECT v FROM r ORDER BY ts DESC, arrival DESC LIMIT 1');
  // Two passes, in SQL: the mean first, then squared deviations from it.
  const variance = db.prepare<[], { variance: number | null; scale: number }>(
    'WITH m AS (SELECT avg(v) AS mean FROM r) ' +
      'SELECT sum((v - m.mean) * (v - m.mean)) / (count(*) - 1) AS variance, max(abs(v)) * max(abs(v)) AS scale FROM r, m',
  );
  const reload = db.transaction((readings: readonly Reading[]) => {
    db.exec('DELETE FROM r');
    readings.forEach((reading, arrival) => insert.run(arrival, reading.time, reading.value));
  });
  afterAll(() => db.close());

  it('gives count, sum, mean, min, max, first and last (by time) as SQL does', () => {
    fc.assert(
      fc.property(readingsArbitrary(1, 60), (readings) => {
        reload(readings);
        const sql = summary.get()!;
        const out = feed(['count', 'sum', 'mean', 'min', 'max', 'first', 'last'], readings);
        expect(out.count).toBe(sql.n);
        expectClose(out.sum, sql.total, 1e-12, sql.magnitude, 'sum');
        expectClose(out.mean, sql.average, 1e-12, sql.magnitude / sql.n, 'mean');
        // SQLite keeps −0 as 0; `+ 0` makes ours the same for the comparison.
        expect(out.min! + 0).toBe(sql.low);
        expect(out.max! + 0).toBe(sql.high);
        expect(out.first! + 0).toBe(first.get()!.v);
        expect(out.last! + 0).toBe(last.get()!.v);
      }),
      PROPERTY_RUNS,
    );
  });

  function expectSqlVariance(readings: readonly Reading[]): void {
    reload(readings);
    const sql = variance.get()!;
    const out = feed(['variance', 'stddev'], readings);
    const tolerance = varianceTolerance(sql.variance!, sql.scale, readings.length);
    expect(Math.abs(out.variance! - sql.variance!), `${out.variance} vs ${sql.variance}`).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(out.stddev! ** 2 - sql.variance!), `${out.stddev}² vs ${sql.variance}`).toBeLessThanOrEqual(tolerance * 2);
  }

  it('gives the sample variance as a two-pass SQL computation does', () => {
    fc.assert(fc.property(readingsArbitrary(2, 60), expectSqlVariance), PROPERTY_RUNS);
  });

  it('gives the sample variance as SQL does where the squares are subnormal (x²/3 is 4.5 × 2^-1074: we round down, SQL up)', () => {
    expectSqlVariance([{ time: 0, value: 8.166937136317892e-162 }, { time: 0, value: 0 }, { time: 0, value: 0 }]);
  });

  it('gives the sample variance as SQL does for deviations of 0.02 around 1e9 (a Welford mean rounded to a double lost 5 digits)', () => {
    expectSqlVariance([{ time: 0, value: 1000000000.6659697 }, { time: 1, value: 1000000000.6854639 }]);
  });

  it('counts histogram buckets as SQL does', () => {
    const bounds = [-1_000, -1, 0, 0.5, 10, 1e6];
    fc.assert(
      fc.property(readingsArbitrary(1, 60), (readings) => {
        reload(readings);
        const out = feed([{ histogram: { buckets: bounds } }], readings);
        for (const bound of bounds) {
          const { n } = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM r WHERE v <= ?').get(bound)!;
          expect(out[`le_${String(bound).replace('-', 'm').replace('.', '_')}`], `≤ ${bound}`).toBe(n);
        }
        expect(out.le_inf).toBe(readings.length);
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('percentiles against a sort', () => {
  const percents = [0, 1, 25, 50, 90, 95, 99, 99.9, 100];
  const items = percents.map((percent) => ({ percentile: percent }));
  const key = (percent: number) => `p${String(percent).replace('.', '_')}`;

  it('are exact (type 7) while the window holds at most exact_limit values', () => {
    fc.assert(
      fc.property(readingsArbitrary(1, 200), (readings) => {
        const out = feed(items, readings);
        const values = readings.map((r) => r.value);
        for (const percent of percents) {
          const reference = typeSevenPercentile(values, percent);
          const scale = Math.max(Math.abs(reference.below), Math.abs(reference.above));
          expectClose(out[key(percent)], reference.value, 1e-12, scale, key(percent));
        }
      }),
      PROPERTY_RUNS,
    );
  });

  it('are within 1 % of the exact value past exact_limit (relative to the values they fall between)', () => {
    fc.assert(
      fc.property(readingsArbitrary(1, 400), fc.integer({ min: 0, max: 40 }), (readings, exactLimit) => {
        const out = feed(items, readings, exactLimit);
        const values = readings.map((r) => r.value);
        for (const percent of percents) {
          const { value, below, above, fraction } = typeSevenPercentile(values, percent);
          // The sketch knows each of the two neighbouring values to 1 %, so their interpolation is within 1 % of
          // the same interpolation of the exact values — of |value| itself when both have one sign.
          const bound = SKETCH_RELATIVE_ACCURACY * ((1 - fraction) * Math.abs(below) + fraction * Math.abs(above));
          expect(Math.abs(out[key(percent)]! - value), `${key(percent)} of ${values.length}`).toBeLessThanOrEqual(bound * (1 + 1e-9) + 1e-300);
        }
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('time-ordered aggregates against sort-then-loop references', () => {
  /** Sample-and-hold, by distinct instants: what holds after an instant is the last reading to arrive for it. */
  function referenceTwa(readings: readonly Reading[], end: number): number {
    const held = new Map<number, number>();
    for (const { time, value } of readings) held.set(time, value); // later arrivals overwrite
    const instants = [...held.keys()].sort((a, b) => a - b);
    const covered = Math.max(end, instants.at(-1)!) - instants[0]!;
    if (covered === 0) return readings.reduce((sum, r) => sum + r.value, 0) / readings.length;
    let area = 0;
    instants.forEach((instant, i) => {
      area += held.get(instant)! * ((instants[i + 1] ?? Math.max(end, instant)) - instant);
    });
    return area / covered;
  }

  /** Trapezoids as weights: each reading counts for half the time to its neighbours on either side. */
  function referenceIntegral(readings: readonly Reading[], unitMs: number): number {
    const sorted = byTime(readings);
    let area = 0;
    sorted.forEach(({ value }, i) => {
      const before = i > 0 ? sorted[i]!.time - sorted[i - 1]!.time : 0;
      const after = i < sorted.length - 1 ? sorted[i + 1]!.time - sorted[i]!.time : 0;
      area += (value * (before + after)) / 2;
    });
    return area / unitMs;
  }

  /** Prometheus' way: last − first, plus the value before each reset (what the reset threw away). */
  function referenceRate(readings: readonly Reading[], unitMs: number): number | undefined {
    const sorted = byTime(readings);
    const span = sorted.at(-1)!.time - sorted[0]!.time;
    if (sorted.length < 2 || span === 0) return undefined;
    let increase = sorted.at(-1)!.value - sorted[0]!.value;
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.value < sorted[i - 1]!.value) increase += sorted[i - 1]!.value;
    return (increase / span) * unitMs;
  }

  const magnitude = (readings: readonly Reading[]) => Math.max(...readings.map((r) => Math.abs(r.value)));

  it('give the time-weighted mean of sample-and-hold, whatever the arrival order', () => {
    fc.assert(
      fc.property(readingsArbitrary(1, 80), fc.integer({ min: 0, max: 2 * END }), (readings, end) => {
        const accumulator = compileAggregates(['twa']).create();
        for (const { time, value } of readings) accumulator.add(value, time);
        const out = emit(accumulator, end);
        expectClose(out.twa, referenceTwa(readings, end), 1e-9, magnitude(readings), 'twa');
      }),
      PROPERTY_RUNS,
    );
  });

  it('give the trapezoidal integral in the unit asked for', () => {
    fc.assert(
      fc.property(readingsArbitrary(1, 80), fc.constantFrom('ms', 's', 'm', 'h', '15m'), (readings, unit) => {
        const unitMs = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, '15m': 900_000 }[unit];
        const out = feed([{ integral: { unit } }], readings);
        expectClose(out.integral, referenceIntegral(readings, unitMs), 1e-9, (magnitude(readings) * END) / unitMs, 'integral');
      }),
      PROPERTY_RUNS,
    );
  });

  it('give the counter rate with resets, and the derivative from first and last by time', () => {
    const counters = fc.array(
      fc.record({ time: fc.integer({ min: 0, max: END - 1 }), value: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: 0, max: 1e6, noNaN: true })) }),
      { minLength: 1, maxLength: 80 },
    );
    fc.assert(
      fc.property(counters, (readings) => {
        const out = feed([{ rate: { unit: '1m' } }, 'derivative'], readings);
        const expected = referenceRate(readings, 60_000);
        const sorted = byTime(readings);
        if (expected === undefined) {
          expect(out.rate).toBeUndefined();
          expect(out.derivative).toBeUndefined();
          return;
        }
        const span = sorted.at(-1)!.time - sorted[0]!.time;
        const scale = (magnitude(readings) * readings.length * 60_000) / span;
        expectClose(out.rate, expected, 1e-9, scale, 'rate');
        expectClose(out.derivative, ((sorted.at(-1)!.value - sorted[0]!.value) / span) * 1_000, 1e-12, scale, 'derivative');
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('merge', () => {
  const EVERYTHING: AggregateItem[] = [
    'count', 'sum', 'mean', 'min', 'max', 'first', 'last', 'delta', 'variance', 'stddev_population', 'median', 'p95',
    { percentile: 99.9 }, 'twa', { integral: { unit: 'h' } }, 'derivative', 'rate', { histogram: { buckets: [-10, 0, 10] } },
  ];

  it('of two windows equals one window that took all the readings, the merged ones after', () => {
    fc.assert(
      fc.property(readingsArbitrary(0, 120), fc.nat(), fc.integer({ min: 0, max: 60 }), (readings, cut, exactLimit) => {
        const at = readings.length === 0 ? 0 : cut % (readings.length + 1);
        const compiled = compileAggregates(EVERYTHING, { exactLimit });
        const whole = compiled.create();
        const a = compiled.create();
        const b = compiled.create();
        readings.forEach(({ time, value }, i) => {
          whole.add(value, time);
          (i < at ? a : b).add(value, time);
        });
        a.merge(b);
        expect(a.count).toBe(whole.count);
        const merged = emit(a);
        const single = emit(whole);
        expect(Object.keys(merged)).toEqual(Object.keys(single));
        const scale = readings.length === 0 ? 0 : Math.max(...readings.map((r) => Math.abs(r.value)));
        for (const [key, value] of Object.entries(single)) {
          if (key === 'variance' || key === 'stddev_population') {
            // Chan's combination rounds differently from one Welford pass; squares below 2^-1022 round to multiples of
            // Number.MIN_VALUE on each side, and a square root turns an absolute difference d into at most √d.
            const underflow = (readings.length + 1) * Number.MIN_VALUE;
            const floor = key === 'variance' ? underflow : Math.sqrt(underflow);
            expect(Math.abs(merged[key]! - value), key).toBeLessThanOrEqual(1e-9 * value + 1e-12 * scale * scale + floor);
          } else if (key === 'sum' || key === 'mean') {
            expect(Math.abs(merged[key]! - value), key).toBeLessThanOrEqual(1e-15 * scale * readings.length);
          } else {
            expect(merged[key], key).toBe(value);
          }
        }
      }),
      PROPERTY_RUNS,
    );
  });
});
