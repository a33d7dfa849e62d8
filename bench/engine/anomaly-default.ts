/**
 * Speed and memory of the default detector, `anomaly: {}`, on one core (part of `npm run bench:engine`).
 *
 * - `engine.anomaly_default`: readings per second through the rule engine with one alert rule `anomaly: {}` (the
 *   detector, its lifecycle and the alert tracker, as in the agent), and through the detector alone, on two
 *   signals: a sensor-like one (a slow cycle with a little noise, mostly what the pattern search prunes early) and
 *   pure noise (the worst case of the nearest-neighbour pattern search: every candidate is about as near).
 *   Each sensor first gets `WARM_READINGS` (untimed) so the histories are full, as on a device after its first hour.
 * - CPU time per reading of the detector alone (`process.cpuUsage`, of the round kept): on a shared machine the wall
 *   clock counts the time other work held the core; this does not (though caches shared with it still slow it).
 * - bytes per sensor: growth of the JavaScript heap plus typed-array storage (`arrayBuffers`, outside the heap) after
 *   a forced collection, divided by the sensors, with every history full.
 */
import { pathToFileURL } from 'node:url';
import { AnomalyDetector } from '../../rules/anomaly/anomaly.js';
import { RuleEngine } from '../../rules/rule-engine.js';
import type { Reading } from '../../rules/reading.js';
import type { RuleSpec } from '../../rules/rule-spec.js';
import { BY_SOURCE_AND_SENSOR } from '../../rules/windows/group-index.js';
import { mulberry32 } from '../../drivers/simulator/seeded-random.js';

const SENSORS = 100;
/** Fills every history of the detector: the raw window (1000) and the coarse scale (2.5 × 1000 readings). */
const WARM_READINGS = 2_600;
const TIMED_READINGS = Number(process.env.BENCH_ANOMALY_READINGS ?? 2_000);
const MEMORY_SENSORS = 200;
const T0 = 1_700_000_000_000;
const TAGS = Object.freeze({});

type Signal = (sensor: number, second: number) => number;

/** Each sensor's values, made before timing: the bench measures the detector, not the generator. */
function valuesOf(signal: Signal, readings: number): Float64Array[] {
  return Array.from({ length: SENSORS }, (_, sensor) => Float64Array.from({ length: readings }, (_, second) => signal(sensor, second)));
}

const uniform = mulberry32(19);
/** A room temperature read every second: a cycle of about 17 minutes (phase per sensor) and sensor noise. */
const sensorLike: Signal = (sensor, second) => 21 + 3 * Math.sin((2 * Math.PI * second) / 1000 + sensor) + 0.1 * (uniform() - 0.5);
const pureNoise: Signal = () => 20 + 10 * uniform();

const ANOMALY_RULE: RuleSpec = {
  name: 'everything_odd',
  from: [],
  select: [],
  tags: {},
  transform: [],
  groupBy: BY_SOURCE_AND_SENSOR,
  aggregates: [],
  alert: { detector: { kind: 'anomaly' }, lifecycle: { for: 0, keep_firing_for: 0, cooldown: 0 }, severity: 'warning' },
};

interface Throughput {
  readonly engine_readings_per_s: number;
  readonly detector_readings_per_s: number;
  /** CPU time of the detector alone per reading (µs): less blurred than the wall clock on a shared machine. */
  readonly detector_cpu_us: number;
  readonly alerts: number;
}

function throughput(signal: Signal): Throughput {
  const values = valuesOf(signal, WARM_READINGS + TIMED_READINGS);
  const names = Array.from({ length: SENSORS }, (_, sensor) => `room${sensor}/temperature`);
  const engine = new RuleEngine([ANOMALY_RULE], { forgetSilentMs: 86_400_000 });
  const detectors = Array.from({ length: SENSORS }, () => new AnomalyDetector());
  const runEngine = (from: number, to: number): number => {
    let alerts = 0;
    for (let second = from; second < to; second++) {
      const timestamp = T0 + second * 1_000;
      for (let sensor = 0; sensor < SENSORS; sensor++) {
        const reading: Reading = { source: 'bench', sensor: names[sensor]!, value: values[sensor]![second]!, timestamp, tags: TAGS };
        engine.push(reading);
      }
      alerts += engine.advance(timestamp).length;
    }
    return alerts;
  };
  const runDetectors = (from: number, to: number): void => {
    for (let second = from; second < to; second++) {
      const timestamp = T0 + second * 1_000;
      for (let sensor = 0; sensor < SENSORS; sensor++) detectors[sensor]!.update(timestamp, values[sensor]![second]!);
    }
  };
  runEngine(0, WARM_READINGS);
  runDetectors(0, WARM_READINGS);
  const timed = SENSORS * TIMED_READINGS;
  let started = process.hrtime.bigint();
  const alerts = runEngine(WARM_READINGS, WARM_READINGS + TIMED_READINGS);
  const engineSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  runDetectors(WARM_READINGS, WARM_READINGS + TIMED_READINGS);
  const detectorSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const { user, system } = process.cpuUsage(cpu);
  return {
    engine_readings_per_s: Math.round(timed / engineSeconds),
    detector_readings_per_s: Math.round(timed / detectorSeconds),
    detector_cpu_us: Number(((user + system) / timed).toFixed(2)),
    alerts,
  };
}

/** Heap held per sensor by a detector whose histories are all full (null without --expose-gc). */
function bytesPerSensor(): number | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  const values = valuesOf(sensorLike, WARM_READINGS);
  const used = () => {
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  gc();
  gc();
  const before = used();
  const detectors = Array.from({ length: MEMORY_SENSORS }, () => new AnomalyDetector());
  for (let index = 0; index < MEMORY_SENSORS; index++) {
    const series = values[index % SENSORS]!;
    for (let second = 0; second < WARM_READINGS; second++) detectors[index]!.update(T0 + second * 1_000, series[second]!);
  }
  gc();
  const bytes = (used() - before) / MEMORY_SENSORS;
  // Keeps the detectors alive until measured.
  if (detectors.length !== MEMORY_SENSORS) throw new Error('unreachable');
  return Math.round(bytes);
}

/** The JSON line of `npm run bench:engine` for the default detector: the best of `rounds` runs per signal. */
export function measureAnomalyDefault(rounds: number): Record<string, unknown> {
  // Measured first: typed arrays of the throughput runs are freed lazily and would blur the figure.
  const bytes = bytesPerSensor();
  const best = (signal: Signal): Throughput => {
    let top: Throughput | undefined;
    for (let round = 0; round < rounds; round++) {
      const run = throughput(signal);
      if (!top || run.detector_readings_per_s > top.detector_readings_per_s) top = run;
    }
    return top!;
  };
  const sensor = best(sensorLike);
  const noise = best(pureNoise);
  return {
    bench: 'engine.anomaly_default',
    sensors: SENSORS,
    readings: SENSORS * TIMED_READINGS,
    rounds,
    node: process.version,
    readings_per_s: sensor.engine_readings_per_s,
    detector_only_readings_per_s: sensor.detector_readings_per_s,
    noise_readings_per_s: noise.engine_readings_per_s,
    noise_detector_only_readings_per_s: noise.detector_readings_per_s,
    detector_only_cpu_us_per_reading: sensor.detector_cpu_us,
    noise_detector_only_cpu_us_per_reading: noise.detector_cpu_us,
    alerts: sensor.alerts,
    noise_alerts: noise.alerts,
    bytes_per_sensor: bytes,
  };
}

// Run alone (the A/B of BENCHMARKS.md): node --expose-gc --max-semi-space-size=256 --import tsx bench/engine/anomaly-default.ts
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(measureAnomalyDefault(Number(process.env.BENCH_ROUNDS ?? 3)))}\n`);
}
