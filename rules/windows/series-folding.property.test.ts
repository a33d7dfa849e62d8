import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compileAggregates, type CompiledAggregates } from '../aggregates/compile-aggregates.js';
import type { Reading } from '../reading.js';
import type { WindowResult } from '../rule-result.js';
import { BY_SOURCE_AND_SENSOR } from './group-index.js';
import { SessionWindows } from './session-windows.js';
import { TimeWindows } from './time-windows.js';
import type { WindowTiming } from './window-spec.js';

/*
 * With max_delay, windows fold the order-dependent part of their state (twa, integral, rate) before the clock less
 * max_delay. Three operators take the same arrivals: one that folds, the same without folding (its aggregates never
 * see the horizon), and one without max_delay that is only given the readings max_delay lets through. All three
 * must emit the same results, bit for bit: folding adds the same terms in the same order as the aggregates do over
 * every reading, and a session that takes in the next one only ever appends an unfolded series (a reading that
 * bridges two sessions lies before the later one, so that one cannot have folded yet). Hopping windows are the
 * exception: they merge panes that folded on their own, equal up to rounding. max_delay only drops the readings
 * older than the clock less it.
 */

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const COMPILED = compileAggregates(['count', 'sum', 'min', 'max', 'first', 'last', 'twa', { integral: { unit: 's' } }, { rate: { unit: 'm' } }]);
/** The same aggregates, deaf to the horizon: they keep every reading. */
const UNFOLDED: CompiledAggregates = { outputs: COMPILED.outputs, create: () => COMPILED.create() };

type Kind = 'tumbling' | 'hopping' | 'session' | 'capped session';

interface Scenario {
  readonly kind: Kind;
  readonly sizeMs: number;
  readonly slideMs: number;
  readonly gapMs: number;
  readonly maxDurationMs: number;
  readonly timing: WindowTiming & { readonly maxDelayMs: number };
}

const scenarioArb = fc
  .record({
    kind: fc.constantFrom<Kind>('tumbling', 'hopping', 'session', 'capped session'),
    size: fc.integer({ min: 2, max: 60 }).map((s) => s * 1_000),
    slideFraction: fc.constantFrom(0.25, 0.5, 0.7),
    gap: fc.integer({ min: 200, max: 5_000 }),
    maxDurationExtra: fc.integer({ min: 1, max: 20_000 }),
    lateness: fc.constantFrom(0, 500, 2_000),
    delayBeyondLateness: fc.constantFrom(0, 300, 1_000, 5_000),
    update: fc.boolean(),
    within: fc.constantFrom(0, 2_000, 10_000),
    emitEmpty: fc.boolean(),
  })
  .map(({ kind, size, slideFraction, gap, maxDurationExtra, lateness, delayBeyondLateness, update, within, emitEmpty }): Scenario => {
    const timeWindow = kind === 'tumbling' || kind === 'hopping';
    return {
      kind,
      sizeMs: size,
      slideMs: kind === 'hopping' ? Math.round(size * slideFraction) : size,
      gapMs: gap,
      maxDurationMs: kind === 'capped session' ? gap + maxDurationExtra : Number.POSITIVE_INFINITY,
      timing: {
        time: 'event',
        allowedLatenessMs: lateness,
        late: timeWindow && update ? 'update' : 'drop',
        updateWithinMs: within,
        empty: timeWindow && emitEmpty ? 'emit' : 'skip',
        maxDelayMs: lateness + delayBeyondLateness,
      },
    };
  });

interface Generated {
  readonly sensor: string;
  /** Time since the sensor's previous reading. */
  readonly step: number;
  readonly value: number;
  readonly delay: number;
  readonly advanceFirst: boolean;
}

const readingsArb = (inOrder: boolean) =>
  fc.array(
    fc.record({
      sensor: fc.constantFrom('a', 'b'),
      // Mostly dense, now and then a pause longer than most gaps, sometimes several readings at one instant.
      step: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 400 }) }, { weight: 1, arbitrary: fc.integer({ min: 2_000, max: 12_000 }) }),
      value: fc.oneof(fc.integer({ min: -1_000, max: 1_000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })),
      delay: inOrder ? fc.constant(0) : fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12_000 })),
      advanceFirst: fc.boolean(),
    }),
    { minLength: 1, maxLength: 400, size: 'max' },
  );

function operatorFor(scenario: Scenario, aggregates: CompiledAggregates, withMaxDelay: boolean) {
  const timing: WindowTiming = withMaxDelay ? scenario.timing : { ...scenario.timing, maxDelayMs: undefined };
  if (scenario.kind === 'tumbling' || scenario.kind === 'hopping') {
    const spec = { type: scenario.kind, sizeMs: scenario.sizeMs, slideMs: scenario.slideMs, offsetMs: 0 } as const;
    return new TimeWindows('r', spec, timing, aggregates, BY_SOURCE_AND_SENSOR);
  }
  const maxDurationMs = Number.isFinite(scenario.maxDurationMs) ? scenario.maxDurationMs : undefined;
  return new SessionWindows('r', { type: 'session', gapMs: scenario.gapMs, maxDurationMs }, timing, aggregates, BY_SOURCE_AND_SENSOR);
}

let runs = 0;
let runsThatFolded = 0;

afterAll(() => {
  // Otherwise the comparison says nothing: most runs must have folded something.
  expect(runsThatFolded / runs).toBeGreaterThan(0.3);
});

function check(scenario: Scenario, generated: readonly Generated[]): void {
  const folded = operatorFor(scenario, COMPILED, true);
  const unfolded = operatorFor(scenario, UNFOLDED, true);
  const reference = operatorFor(scenario, UNFOLDED, false);
  const clock: Record<string, number> = {};
  const arrivals = generated.map((g, index) => {
    const ts = (clock[g.sensor] = (clock[g.sensor] ?? T0) + g.step);
    return { ...g, ts, index, arrival: ts + g.delay };
  });
  arrivals.sort((x, y) => x.arrival - y.arrival || x.index - y.index);
  const out: WindowResult[][] = [[], [], []];
  let now = Number.NEGATIVE_INFINITY;
  let dropped = 0;
  let didFold = false;
  const advance = (to: number) => {
    now = Math.max(now, to);
    folded.advance(to, out[0]!);
    unfolded.advance(to, out[1]!);
    reference.advance(to, out[2]!);
  };
  for (const a of arrivals) {
    if (a.advanceFirst) advance(a.arrival);
    const reading: Reading = { source: 's', sensor: a.sensor, value: a.value, timestamp: a.ts, tags: {} };
    folded.add(reading);
    unfolded.add(reading);
    // max_delay as a rule: late once the clock (its latest advance) less max_delay is past the reading's time.
    if (a.ts >= now - scenario.timing.maxDelayMs) reference.add(reading);
    else dropped += 1;
    if (folded.storedPoints() < unfolded.storedPoints()) didFold = true;
  }
  advance(arrivals.at(-1)!.arrival + 10 * 60_000);
  runs += 1;
  if (didFold) runsThatFolded += 1;

  expect(folded.counters).toEqual(unfolded.counters);
  expect(unfolded.counters).toEqual({ ...reference.counters, late: reference.counters.late + dropped });
  // The unfolded operator with max_delay and the reference hold the same readings in the same order: equal results.
  expect(out[1]).toEqual(out[2]);
  if (scenario.kind === 'hopping') expectEqualUpToRounding(out[0]!, out[1]!);
  else expect(out[0]).toEqual(out[1]);
}

/**
 * Hopping windows merge the panes of one slide each when they are emitted: a folded pane brings its sums as one
 * term, so twa, integral and rate add the same terms grouped differently and may differ in the last bits.
 */
function expectEqualUpToRounding(actual: readonly WindowResult[], expected: readonly WindowResult[]): void {
  const ORDER_DEPENDENT = new Set(['twa', 'integral', 'rate']);
  const exactPart = (results: readonly WindowResult[]) =>
    results.map((r) => ({ ...r, values: Object.fromEntries(Object.entries(r.values).filter(([key]) => !ORDER_DEPENDENT.has(key))) }));
  expect(exactPart(actual)).toEqual(exactPart(expected));
  actual.forEach((result, i) => {
    for (const key of ORDER_DEPENDENT) {
      const a = result.values[key];
      const b = expected[i]!.values[key];
      expect(a === undefined, key).toBe(b === undefined);
      // Terms reach 1e6 (values) × 60 (seconds): their rounding errors are around 1e-8 each, far below 1e-4.
      if (a !== undefined && b !== undefined) expect(Math.abs(a - b), `${key}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-4 + 1e-12 * Math.abs(b));
    }
  });
}

describe('folding a window\'s series before the horizon of max_delay', () => {
  it('gives the results of keeping every reading, for readings in order, in every window type', () => {
    fc.assert(fc.property(scenarioArb, readingsArb(true), check), { numRuns: 150 });
  });

  it('gives the results of keeping every reading when readings come out of order and late', () => {
    fc.assert(fc.property(scenarioArb, readingsArb(false), check), { numRuns: 250 });
  });
});
