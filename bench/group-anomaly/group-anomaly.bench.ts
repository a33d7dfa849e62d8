/**
 * The group anomaly detector (`anomaly: { across: [...] }`) through the rule engine, for `npm run bench:engine`:
 * one group of 8 correlated sensors (a shared random walk plus noise per sensor), one reading per sensor per row,
 * the engine advanced once per row, as in the agent. Reported as one JSON line:
 * - `rows_per_s`: rows (8 readings each) per second on this core, learning period included, best of BENCH_ROUNDS;
 * - `detector_rows_per_s`: the detector alone (no engine, no reading objects), for scale;
 * - `bytes_per_group_learning` / `bytes_per_group`: memory held per group (JavaScript heap plus typed arrays) while it
 *   learns (with its held-out statistics) and once it has learnt, over GROUPS groups between forced collections
 *   (needs --expose-gc).
 */
import { GROUP_DEFAULTS, GroupAnomalyDetector, type GroupAnomalySpec } from '../../rules/anomaly/group-anomaly.js';
import { gaussian, mulberry32 } from '../../drivers/simulator/seeded-random.js';
import type { Reading } from '../../rules/reading.js';
import { RuleEngine } from '../../rules/rule-engine.js';
import type { RuleSpec } from '../../rules/rule-spec.js';
import { BY_SOURCE_AND_SENSOR } from '../../rules/windows/group-index.js';

const P = 8;
const ROWS = Number(process.env.BENCH_GROUP_ROWS ?? 200_000);
const GROUPS = 200;
const T0 = 1_700_000_000_000;
const TAGS = Object.freeze({ site: 'bench' });
const LEVELS = Array.from({ length: P }, (_, j) => `s${j}`);

/** Row-major values: a latent random walk every sensor follows with its own gain, plus noise. */
function correlatedRows(rows: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const values = new Float64Array(rows * P);
  let latent = 0;
  for (let row = 0; row < rows; row++) {
    latent += 0.05 * -latent + gaussian(random);
    for (let j = 0; j < P; j++) values[row * P + j] = 10 * (j + 1) + (1 + j / 4) * latent + 0.2 * gaussian(random);
  }
  return values;
}

function groupRule(): RuleSpec {
  const group: GroupAnomalySpec = { ...GROUP_DEFAULTS, across: LEVELS };
  return {
    name: 'together',
    from: [],
    select: [],
    tags: {},
    transform: [],
    groupBy: BY_SOURCE_AND_SENSOR,
    aggregates: [],
    alert: { detector: { kind: 'anomaly' }, group, lifecycle: { for: 0, keep_firing_for: 0, cooldown: 0 }, severity: 'warning' },
  };
}

/** Feeds `rows` rows of `values` for device `device` into `engine`; returns the seconds taken. */
function feed(engine: RuleEngine, values: Float64Array, rows: number, names: readonly string[]): number {
  const started = process.hrtime.bigint();
  for (let row = 0; row < rows; row++) {
    const timestamp = T0 + row * 1_000;
    for (let j = 0; j < P; j++) engine.push({ source: 'bench', sensor: names[j]!, value: values[row * P + j]!, timestamp, tags: TAGS } satisfies Reading);
    engine.advance(timestamp);
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function detectorAlone(values: Float64Array, rows: number): number {
  const detector = new GroupAnomalyDetector({ ...GROUP_DEFAULTS, across: LEVELS }, LEVELS);
  const started = process.hrtime.bigint();
  for (let row = 0; row < rows; row++) for (let j = 0; j < P; j++) detector.update(j, T0 + row * 1_000, values[row * P + j]!);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (!detector.learnt) throw new Error('the detector never finished learning');
  return seconds;
}

/** Heap held per group after each of GROUPS groups had `rows` rows; null without --expose-gc. */
function bytesPerGroup(values: Float64Array, rows: number): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const names = Array.from({ length: GROUPS }, (_, g) => LEVELS.map((level) => `dev${g}/${level}`));
  // Typed arrays keep their numbers outside the JavaScript heap: count both.
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  gc();
  const before = used();
  const engine = new RuleEngine([groupRule()]);
  for (let row = 0; row < rows; row++) {
    const timestamp = T0 + row * 1_000;
    for (let g = 0; g < GROUPS; g++) {
      for (let j = 0; j < P; j++) engine.push({ source: 'bench', sensor: names[g]![j]!, value: values[row * P + j]!, timestamp, tags: TAGS });
    }
    engine.advance(timestamp);
  }
  gc();
  const held = used() - before;
  // Keeps the engine alive until measured.
  if (engine.counters().length !== 1) throw new Error('one rule expected');
  return Math.round(held / GROUPS);
}

export function groupAnomalyBench(rounds: number): Record<string, unknown> {
  const values = correlatedRows(ROWS, 42);
  const names = LEVELS.map((level) => `pump/${level}`);
  const warm = new RuleEngine([groupRule()]);
  feed(warm, values, Math.min(ROWS, 20_000), names); // warm-up
  // The rows did reach one group (a bench that measured a rule doing nothing would be worthless).
  if (warm.counters()[0]!.selected !== Math.min(ROWS, 20_000) * P || warm.trackedSensors()[0]!.alerts !== 1) throw new Error('the group rule did not see the rows');
  let best = Number.POSITIVE_INFINITY;
  let bestAlone = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    best = Math.min(best, feed(new RuleEngine([groupRule()]), values, ROWS, names));
    bestAlone = Math.min(bestAlone, detectorAlone(values, ROWS));
  }
  return {
    bench: 'engine.group_anomaly',
    sensors: P,
    rows: ROWS,
    learn_rows: GROUP_DEFAULTS.learn,
    rounds,
    node: process.version,
    rows_per_s: Math.round(ROWS / best),
    readings_per_s: Math.round((ROWS * P) / best),
    detector_rows_per_s: Math.round(ROWS / bestAlone),
    bytes_per_group_learning: bytesPerGroup(values, Math.round(GROUP_DEFAULTS.learn * 0.9)),
    bytes_per_group: bytesPerGroup(values, GROUP_DEFAULTS.learn + 100),
    groups_measured: GROUPS,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(groupAnomalyBench(Number(process.env.BENCH_ROUNDS ?? 5)))}\n`);
}
