import type { Reading, Tags } from '../../rules/reading.js';
import type { ClockTimer } from '../clock.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { gaussian, hashString, mixSeed, mulberry32 } from './seeded-random.js';
import type { RelationalFault, SimulatedSensor, SimulatorOptions } from './simulator-options.js';

/** What a running simulation remembers between ticks: where each random walk stands, when the source started. */
export interface SimulationState {
  readonly startedAt: number;
  readonly walks: Map<string, number>;
  /** Values held by a flatline fault, per sensor. */
  readonly held: Map<string, number>;
}

/**
 * The value of one simulated sensor at one tick, before faults: the signal plus Gaussian noise, clamped to
 * [min, max]. The sine is anchored to the Unix epoch (0 at 00:00 UTC, highest a quarter period later). Noise comes
 * from a stream seeded by (seed, sensor, tick), so it does not depend on earlier values or on the other sensors;
 * a random walk does depend on its previous value, kept in `state`.
 */
export function simulateValue(
  sensor: SimulatedSensor,
  seed: number,
  tick: number,
  timestamp: number,
  state?: SimulationState,
  /** Added before clamping: what the sensor's leader and the device's faults contribute (see `simulateReadings`). */
  offset = 0,
): number {
  const random = mulberry32(mixSeed(seed, hashString(sensor.name), tick));
  let value: number;
  if (sensor.signal === 'step') {
    const levels = sensor.levels!;
    value = levels[Math.floor(timestamp / sensor.every) % levels.length]! + sensor.noise * gaussian(random);
  } else if (sensor.signal === 'random_walk') {
    const previous = state?.walks.get(sensor.name) ?? sensor.base;
    value = previous + sensor.reversion * (sensor.base - previous) + sensor.step * gaussian(random);
    state?.walks.set(sensor.name, value);
    value += sensor.noise * gaussian(random);
  } else {
    const phase = (((timestamp % sensor.period) + sensor.period) % sensor.period) / sensor.period;
    value = sensor.base + sensor.amplitude * Math.sin(2 * Math.PI * phase) + sensor.noise * gaussian(random);
  }
  if (state && sensor.anomalies.length > 0) value = applyAnomalies(sensor, value, timestamp - state.startedAt, state, random);
  value += offset;
  if (sensor.min !== undefined && value < sensor.min) value = sensor.min;
  if (sensor.max !== undefined && value > sensor.max) value = sensor.max;
  return value;
}

/** Injected faults active at `elapsed` ms since start change the value; the first that applies wins. */
function applyAnomalies(sensor: SimulatedSensor, value: number, elapsed: number, state: SimulationState, random: () => number): number {
  for (const [index, anomaly] of sensor.anomalies.entries()) {
    const since = elapsed - anomaly.after;
    if (since < 0) continue;
    const occurrence = anomaly.every === undefined ? 0 : Math.floor(since / anomaly.every);
    const into = anomaly.every === undefined ? since : since % anomaly.every;
    const key = `${sensor.name}#${index}#${occurrence}`;
    if (into >= anomaly.duration) {
      state.held.delete(key);
      continue;
    }
    switch (anomaly.kind) {
      case 'spike':
        // One reading only: the first of the occurrence.
        if (state.held.has(key)) return value;
        state.held.set(key, value);
        return value + anomaly.magnitude;
      case 'shift':
        return value + anomaly.magnitude;
      case 'drift':
        return value + (anomaly.magnitude * into) / anomaly.duration;
      case 'flatline': {
        const held = state.held.get(key) ?? value;
        state.held.set(key, held);
        return held;
      }
      case 'noise':
        return value + anomaly.magnitude * gaussian(random);
    }
  }
  return value;
}

/**
 * How far into each device fault `elapsed` ms since start is, as the share of its full shift (0 to 1, growing over
 * `ramp`), or undefined when the fault is not active: for the shifts, and for the labels of a recording.
 */
export function faultProgress(fault: RelationalFault, elapsed: number): number | undefined {
  const since = elapsed - fault.after;
  if (since < 0) return undefined;
  const into = fault.every === undefined ? since : since % fault.every;
  if (into >= fault.duration) return undefined;
  return fault.ramp > 0 ? Math.min(1, into / fault.ramp) : 1;
}

/** The names of the device faults active at `elapsed` ms since start. */
export function activeFaults(options: Pick<SimulatorOptions, 'faults'>, elapsed: number): string[] {
  return options.faults.filter((fault) => faultProgress(fault, elapsed) !== undefined).map((fault) => fault.name);
}

/** The readings of every sensor for one tick, in the order the sensors are configured; dropped-out ones left out. */
export function simulateReadings(
  options: Pick<SimulatorOptions, 'seed' | 'sensors' | 'tags'> & Partial<Pick<SimulatorOptions, 'faults'>>,
  source: string,
  tick: number,
  timestamp: number,
  state?: SimulationState,
): Reading[] {
  const tags: Tags = options.tags;
  const readings: Reading[] = [];
  const faults = options.faults ?? [];
  const related = faults.length > 0 || options.sensors.some((sensor) => sensor.follows !== undefined);
  // This tick's values by name, for sensors that follow another; only kept when some sensor does.
  const values = related ? new Map<string, number>() : undefined;
  const led = related ? new Set(options.sensors.map((sensor) => sensor.follows?.sensor)) : undefined;
  const elapsed = state ? timestamp - state.startedAt : Number.NaN;
  for (const sensor of options.sensors) {
    const dropped = sensor.dropout > 0 && mulberry32(mixSeed(options.seed, hashString(sensor.name), tick, 0x0d0d))() < sensor.dropout;
    // A dropped reading is still computed when another sensor follows it: the pump turns whether or not its speed
    // reading got through.
    if (dropped && !led?.has(sensor.name)) continue;
    let offset = 0;
    if (sensor.follows) {
      const leader = options.sensors.find((candidate) => candidate.name === sensor.follows!.sensor)!;
      offset += sensor.follows.gain * ((values!.get(leader.name) ?? leader.base) - leader.base);
    }
    for (const fault of faults) {
      const shift = fault.shift[sensor.name];
      if (shift === undefined) continue;
      const progress = faultProgress(fault, elapsed);
      if (progress !== undefined) offset += shift * progress;
    }
    const value = simulateValue(sensor, options.seed, tick, timestamp, state, offset);
    values?.set(sensor.name, value);
    if (!dropped) readings.push({ source, sensor: sensor.name, value, timestamp, tags });
  }
  return readings;
}

/** Emits every configured sensor immediately on start and then every `interval`, until stopped. */
class SimulatorSource implements SourceDriver {
  private timer: ClockTimer | undefined;
  /** Emissions so far; part of the noise seed so consecutive readings differ. */
  private tick = 0;
  private readonly options: SimulatorOptions;
  private state: SimulationState | undefined;

  constructor(
    options: SimulatorOptions,
    private readonly context: DriverContext,
  ) {
    // Freeze the tags once so every reading can share one object.
    this.options = { ...options, tags: Object.freeze({ ...options.tags }) };
  }

  async start(emit: (reading: Reading) => void): Promise<void> {
    if (this.timer !== undefined) return;
    const emitTick = () => {
      const timestamp = this.context.now();
      // Faults are scheduled from the first reading, so `after: 10m` means ten minutes after start.
      this.state ??= { startedAt: timestamp, walks: new Map(), held: new Map() };
      const readings = simulateReadings(this.options, this.context.name, this.tick++, timestamp, this.state);
      try {
        for (const reading of readings) emit(reading);
      } catch (error) {
        // A throwing consumer must not become an uncaught exception inside the timer.
        this.context.log.error({ err: error }, 'emitting a simulated reading failed');
      }
    };
    this.context.setConnected(true);
    this.timer = this.context.clock.setInterval(emitTick, this.options.interval);
    emitTick();
  }

  async stop(): Promise<void> {
    this.context.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}

export function createSimulatorSource(options: SimulatorOptions, context: DriverContext): SourceDriver {
  return new SimulatorSource(options, context);
}
