import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Reading } from '../../rules/reading.js';
import type { DriverContext } from '../driver.js';
import { gaussian, mulberry32 } from './seeded-random.js';
import { simulatedSensorOptions, type SimulatorOptions, simulatorOptions } from './simulator-options.js';
import { activeFaults, createSimulatorSource, simulateReadings, simulateValue } from './simulator-source.js';
import { systemClock, type Clock } from '../clock.js';
import { ManualClock } from '../../test/helpers/manual-clock.js';

const T0 = Date.UTC(2025, 5, 1, 0, 0, 0);

function fakeContext(name = 'sim', now = () => T0, clock: Clock = systemClock) {
  const logs: { level: string; message: string }[] = [];
  const log = (level: string) => (_context: object, message: string) => void logs.push({ level, message });
  const context: DriverContext = {
    name,
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    now,
    clock,
    badInput: () => {},
    setConnected: () => {},
  };
  return { context, logs };
}

const options = (extra: Record<string, unknown> = {}) => simulatorOptions.parse({ driver: 'simulator', ...extra });
const sensorOf = (sensor: Record<string, unknown>) => simulatedSensorOptions.parse(sensor);

describe('simulator options', () => {
  it('defaults to a one-second greenhouse with seed 42 and no tags', () => {
    const parsed = options();
    expect(parsed.interval).toBe(1000);
    expect(parsed.seed).toBe(42);
    expect(parsed.tags).toEqual({});
    expect(parsed.sensors.map((sensor) => sensor.name)).toEqual([
      'greenhouse/temperature',
      'greenhouse/humidity',
      'greenhouse/soil_moisture',
    ]);
    expect(parsed.sensors.every((sensor) => sensor.period === 86_400_000)).toBe(true);
  });

  it('rejects unknown keys, min above max and duplicate sensor names', () => {
    expect(simulatorOptions.safeParse({ driver: 'simulator', speed: 2 }).success).toBe(false);
    expect(
      simulatorOptions.safeParse({ driver: 'simulator', sensors: [{ name: 'a', base: 1, min: 5, max: 2 }] }).success,
    ).toBe(false);
    expect(
      simulatorOptions.safeParse({ driver: 'simulator', sensors: [{ name: 'a', base: 1 }, { name: 'a', base: 2 }] })
        .success,
    ).toBe(false);
  });

  it('accepts its own sample.yaml, which matches the defaults', () => {
    const sample = parse(readFileSync(new URL('./sample.yaml', import.meta.url), 'utf8')) as {
      sources: Record<string, unknown>;
    };
    const parsed = simulatorOptions.parse(sample.sources['greenhouse_sim']);
    expect(parsed.sensors).toEqual(options().sensors);
    expect(parsed.tags).toEqual({ site: 'demo' });
  });
});

describe('seeded random numbers', () => {
  it('repeat the same sequence for the same seed and differ for another seed', () => {
    const take = (seed: number) => {
      const random = mulberry32(seed);
      return Array.from({ length: 5 }, () => random());
    };
    expect(take(7)).toEqual(take(7));
    expect(take(7)).not.toEqual(take(8));
    expect(take(7).every((u) => u >= 0 && u < 1)).toBe(true);
  });

  it('produce normal samples with mean near 0 and standard deviation near 1', () => {
    const random = mulberry32(1);
    const samples = Array.from({ length: 20_000 }, () => gaussian(random));
    const mean = samples.reduce((sum, x) => sum + x, 0) / samples.length;
    const sd = Math.sqrt(samples.reduce((sum, x) => sum + (x - mean) ** 2, 0) / samples.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });
});

describe('simulated readings', () => {
  it('are the same for the same seed, tick and time', () => {
    const a = simulateReadings(options(), 'sim', 3, T0 + 3000);
    const b = simulateReadings(options(), 'sim', 3, T0 + 3000);
    expect(a).toEqual(b);
    expect(a.map((r) => r.sensor)).toEqual([
      'greenhouse/temperature',
      'greenhouse/humidity',
      'greenhouse/soil_moisture',
    ]);
    expect(a.every((r) => r.source === 'sim' && r.timestamp === T0 + 3000)).toBe(true);
  });

  it('differ for a different seed and from one tick to the next', () => {
    const values = (seed: number, tick: number) =>
      simulateReadings(options({ seed }), 'sim', tick, T0).map((r) => r.value);
    expect(values(42, 0)).not.toEqual(values(43, 0));
    expect(values(42, 0)).not.toEqual(values(42, 1));
  });

  it('follow the sine around base: base at midnight UTC, base + amplitude a quarter period later', () => {
    const sensor = options({ sensors: [{ name: 's', base: 10, amplitude: 5, period: '1h' }] }).sensors[0]!;
    expect(simulateValue(sensor, 42, 0, T0)).toBeCloseTo(10, 9);
    expect(simulateValue(sensor, 42, 1, T0 + 15 * 60_000)).toBeCloseTo(15, 9);
    expect(simulateValue(sensor, 42, 2, T0 + 45 * 60_000)).toBeCloseTo(5, 9);
  });

  it('stay around the default greenhouse values with noise of the configured size', () => {
    const temperature = options().sensors[0]!;
    const values = Array.from({ length: 2000 }, (_, tick) => simulateValue(temperature, 42, tick, T0));
    const mean = values.reduce((sum, x) => sum + x, 0) / values.length;
    const sd = Math.sqrt(values.reduce((sum, x) => sum + (x - mean) ** 2, 0) / values.length);
    expect(mean).toBeCloseTo(22, 1);
    expect(sd).toBeGreaterThan(0.25);
    expect(sd).toBeLessThan(0.35);
  });

  it('never leave [min, max] however large the noise', () => {
    const sensor = options({ sensors: [{ name: 's', base: 50, amplitude: 40, noise: 30, min: 20, max: 70 }] })
      .sensors[0]!;
    const values = Array.from({ length: 5000 }, (_, tick) => simulateValue(sensor, 42, tick, T0 + tick * 60_000));
    expect(Math.min(...values)).toBe(20);
    expect(Math.max(...values)).toBe(70);
  });

  it('carry the configured tags', () => {
    const [reading] = simulateReadings(options({ tags: { site: 'demo' } }), 'sim', 0, T0);
    expect(reading?.tags).toEqual({ site: 'demo' });
  });
});

describe('simulator source', () => {
  it('emits every sensor at once on start, then every interval, and nothing after stop', async () => {
    let clock = T0;
    const timers = new ManualClock();
    const { context } = fakeContext('gh', () => (clock += 10), timers);
    const source = createSimulatorSource(options({ interval: '20ms' }), context);
    const readings: Reading[] = [];
    await source.start((reading) => readings.push(reading));
    expect(readings).toHaveLength(3);

    await timers.advance(110);
    await source.stop();
    const emitted = readings.length;
    expect(emitted).toBeGreaterThanOrEqual(9);
    expect(emitted % 3).toBe(0);

    await timers.advance(80);
    expect(readings).toHaveLength(emitted);
    expect(readings.every((r) => r.source === 'gh' && Number.isFinite(r.value))).toBe(true);
  });

  it('emits the values the pure function gives for each tick and the injected clock', async () => {
    let clock = T0;
    const timers = new ManualClock();
    const { context } = fakeContext('gh', () => (clock += 1000), timers);
    const opts = options({ interval: '10ms', seed: 7 });
    const source = createSimulatorSource(opts, context);
    const readings: Reading[] = [];
    await source.start((reading) => readings.push(reading));
    await timers.advance(40);
    await source.stop();

    const ticks = readings.length / 3;
    const expected = Array.from({ length: ticks }, (_, tick) =>
      simulateReadings(opts, 'gh', tick, T0 + (tick + 1) * 1000),
    ).flat();
    expect(readings).toEqual(expected);
  });

  it('logs and carries on when the consumer throws', async () => {
    const { context, logs } = fakeContext();
    const source = createSimulatorSource(options({ interval: '1h' }), context);
    await source.start(() => {
      throw new Error('full');
    });
    await source.stop();
    expect(logs).toEqual([{ level: 'error', message: 'emitting a simulated reading failed' }]);
  });

  it('wanders with a random walk pulled back to base, the same for the same seed', () => {
    const walker = sensorOf({ name: 'w', base: 50, signal: 'random_walk', step: 1, reversion: 0.1 });
    const run = () => {
      const state = { startedAt: T0, walks: new Map<string, number>(), held: new Map<string, number>() };
      return Array.from({ length: 2_000 }, (_, tick) => simulateValue(walker, 42, tick, T0 + tick * 1000, state));
    };
    const values = run();
    expect(run()).toEqual(values);
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    expect(Math.abs(mean - 50)).toBeLessThan(2);
    expect(new Set(values.map((v) => Math.round(v))).size).toBeGreaterThan(5);
  });

  it('cycles through step levels', () => {
    const stepper = sensorOf({ name: 's', base: 0, signal: 'step', levels: [18, 22], every: '1h' });
    expect([0, 1, 2, 3].map((hour) => simulateValue(stepper, 42, hour, hour * 3_600_000))).toEqual([18, 22, 18, 22]);
  });

  it('leaves out readings by the dropout probability, deterministically', () => {
    const opts = options({ sensors: [{ name: 'd', base: 1, dropout: 0.3 }] });
    const kept = Array.from({ length: 1_000 }, (_, tick) => simulateReadings(opts, 'sim', tick, T0 + tick).length).reduce((a, b) => a + b, 0);
    expect(kept).toBeGreaterThan(630);
    expect(kept).toBeLessThan(770);
    const again = Array.from({ length: 1_000 }, (_, tick) => simulateReadings(opts, 'sim', tick, T0 + tick).length).reduce((a, b) => a + b, 0);
    expect(again).toBe(kept);
  });

  it('injects spikes, shifts, drifts and flatlines at the times configured, counted from the first reading', () => {
    const state = { startedAt: T0, walks: new Map<string, number>(), held: new Map<string, number>() };
    const faulty = sensorOf({
      name: 'f',
      base: 10,
      anomalies: [
        { after: '1m', duration: '1m', kind: 'spike', magnitude: 100 },
        { after: '3m', duration: '1m', kind: 'shift', magnitude: 5 },
        { after: '5m', duration: '1m', kind: 'drift', magnitude: 6 },
      ],
    });
    const at = (seconds: number) => simulateValue(faulty, 1, seconds, T0 + seconds * 1000, state);
    expect([at(0), at(59)]).toEqual([10, 10]);
    expect([at(60), at(70), at(120)]).toEqual([110, 10, 10]);
    expect([at(180), at(239), at(240)]).toEqual([15, 15, 10]);
    expect([at(300), at(330)]).toEqual([10, 13]);

    const stuck = sensorOf({ name: 'g', base: 0, signal: 'random_walk', step: 1, anomalies: [{ after: '10s', duration: '20s', kind: 'flatline' }] });
    const values = Array.from({ length: 40 }, (_, s) => simulateValue(stuck, 3, s, T0 + s * 1000, state));
    expect(new Set(values.slice(10, 30)).size).toBe(1);
    expect(new Set(values.slice(30, 40)).size).toBeGreaterThan(1);
  });
});

describe('related sensors and device faults (pump-sample.yaml)', () => {
  const pump = () => simulatorOptions.parse((parse(readFileSync(new URL('./pump-sample.yaml', import.meta.url), 'utf8')) as { sources: { pump: unknown } }).sources.pump);

  function record(opts: SimulatorOptions, ticks: number) {
    const state = { startedAt: T0, walks: new Map<string, number>(), held: new Map<string, number>() };
    return Array.from({ length: ticks }, (_, tick) => simulateReadings(opts, 'pump', tick, T0 + tick * 1000, state));
  }

  it('moves flow with speed: correlation above 0.9 over an hour without faults', () => {
    const rows = record({ ...pump(), faults: [] }, 3600);
    const speed = rows.map((row) => row[0]!.value);
    const flow = rows.map((row) => row[1]!.value);
    expect(correlation(speed, flow)).toBeGreaterThan(0.9);
  });

  it('shifts flow by -1.2 and pressure by +0.06 once the valve has closed, on the same noise', () => {
    const healthy = record({ ...pump(), faults: [] }, 3721);
    const faulty = record(pump(), 3721);
    // 1h in (tick 3600), plus the two-minute ramp: full shift from tick 3720.
    expect(faulty[3720]![1]!.value - healthy[3720]![1]!.value).toBeCloseTo(-1.2, 9);
    expect(faulty[3720]![2]!.value - healthy[3720]![2]!.value).toBeCloseTo(0.06, 9);
    expect(faulty[3660]![1]!.value - healthy[3660]![1]!.value).toBeCloseTo(-0.6, 9); // half-way through the ramp
    expect(faulty[3599]![1]!.value).toBe(healthy[3599]![1]!.value);
    expect(activeFaults(pump(), 3660_000)).toEqual(['valve_closing']);
    expect(activeFaults(pump(), 3599_000)).toEqual([]);
  });

  it('refuses a sensor that follows one listed after it, and a fault on an unknown sensor', () => {
    const sensors = [{ name: 'a', base: 1, follows: { sensor: 'b', gain: 1 } }, { name: 'b', base: 2 }];
    expect(simulatorOptions.safeParse({ driver: 'simulator', sensors }).error?.issues[0]?.path).toEqual(['sensors', 0, 'follows', 'sensor']);
    const faults = [{ after: '1m', shift: { c: 1 } }];
    expect(simulatorOptions.safeParse({ driver: 'simulator', sensors: [{ name: 'a', base: 1 }], faults }).error?.issues[0]?.message).toBe('no sensor c; sensors: a');
  });
});

function correlation(x: number[], y: number[]): number {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}
