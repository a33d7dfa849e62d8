/**
 * Engine throughput: synthetic readings for 1,000 sensors through a realistic rule set, on one core.
 * Prints one JSON line per measurement. The baseline is the same loop with a consumer that does nothing, so
 * `ratio_to_baseline` says how much of the loop's own speed the engine keeps.
 *
 *   npm run bench
 */
import { RuleEngine } from '../rules/rule-engine.js';
import type { Reading } from '../rules/reading.js';
import type { RuleSpec } from '../rules/rule-spec.js';
import { BY_SOURCE_AND_SENSOR } from '../rules/windows/group-index.js';

const SENSORS = 1_000;
const READINGS = Number(process.env.BENCH_READINGS ?? 3_000_000);
const ALLOCATION_SAMPLE = 200_000;
const T0 = 1_700_000_000_000;

const TIMING = { time: 'event', allowedLatenessMs: 1_000, late: 'drop', updateWithinMs: 0, empty: 'skip' } as const;
const SELECT_ALL = { tags: {}, transform: [], groupBy: BY_SOURCE_AND_SENSOR } as const;

const RULES: RuleSpec[] = [
  {
    ...SELECT_ALL,
    name: 'all_10s',
    from: [],
    select: [],
    where: 'value > -40 and value < 125',
    window: { type: 'tumbling', sizeMs: 10_000, slideMs: 10_000, offsetMs: 0, ...TIMING },
    aggregates: ['count', 'mean', 'min', 'max'],
  },
  {
    ...SELECT_ALL,
    name: 'temperatures_1m',
    from: ['bench'],
    select: ['room*/temperature'],
    window: { type: 'tumbling', sizeMs: 60_000, slideMs: 60_000, offsetMs: 0, ...TIMING },
    aggregates: ['count', 'mean', 'min', 'max', 'first', 'last'],
  },
  {
    ...SELECT_ALL,
    name: 'humidity_hot_10s',
    from: ['bench'],
    select: ['room*/humidity'],
    where: 'abs(value - 50) > 5',
    window: { type: 'tumbling', sizeMs: 10_000, slideMs: 10_000, offsetMs: 0, ...TIMING },
    aggregates: ['count', 'max'],
  },
];

const sensorNames = Array.from({ length: SENSORS }, (_, i) => `room${Math.floor(i / 4)}/${['temperature', 'humidity', 'co2', 'pressure'][i % 4]}`);
const TAGS = Object.freeze({ site: 'bench' });

/** Each sensor reads once a second of event time; the engine is moved on once per simulated second. */
function drive(count: number, consume: (reading: Reading) => void, advance: (now: number) => number): { seconds: number; results: number } {
  let results = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const sensor = i % SENSORS;
    const timestamp = T0 + Math.floor(i / SENSORS) * 1_000;
    consume({ source: 'bench', sensor: sensorNames[sensor]!, value: 20 + ((i * 7919) % 600) / 10, timestamp, tags: TAGS });
    if (sensor === SENSORS - 1) results += advance(timestamp);
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, results };
}

function allocatedPerReading(consume: (reading: Reading) => void, advance: (now: number) => number): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  const before = process.memoryUsage().heapUsed;
  drive(ALLOCATION_SAMPLE, consume, advance);
  return (process.memoryUsage().heapUsed - before) / ALLOCATION_SAMPLE;
}

const nothing = () => 0;
let sink = 0;
const baselineConsume = (reading: Reading) => {
  sink += reading.value;
};
drive(200_000, baselineConsume, nothing); // warm-up
const baseline = drive(READINGS, baselineConsume, nothing);
const baselineAllocated = allocatedPerReading(baselineConsume, nothing);

const warm = new RuleEngine(RULES);
drive(200_000, (r) => warm.push(r), (now) => warm.advance(now).length);
const engine = new RuleEngine(RULES);
const measured = drive(READINGS, (r) => engine.push(r), (now) => engine.advance(now).length);
const allocating = new RuleEngine(RULES);
const engineAllocated = allocatedPerReading((r) => allocating.push(r), (now) => allocating.advance(now).length);

const readingsPerSecond = READINGS / measured.seconds;
const baselinePerSecond = READINGS / baseline.seconds;
process.stdout.write(
  `${JSON.stringify({
    bench: 'engine',
    readings: READINGS,
    sensors: SENSORS,
    rules: RULES.length,
    results: measured.results,
    seconds: Number(measured.seconds.toFixed(3)),
    readings_per_s: Math.round(readingsPerSecond),
    baseline_readings_per_s: Math.round(baselinePerSecond),
    ratio_to_baseline: Number((readingsPerSecond / baselinePerSecond).toFixed(3)),
    bytes_allocated_per_reading:
      engineAllocated === undefined || baselineAllocated === undefined ? null : Math.round(engineAllocated - baselineAllocated),
    node: process.version,
    checksum: sink > 0 ? 1 : 0,
  })}\n`,
);
