import type { Reading, Tags } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { gaussian, hashString, mixSeed, mulberry32 } from './seeded-random.js';
import type { SimulatedSensor, SimulatorOptions } from './simulator-options.js';

/**
 * The value of one simulated sensor at one tick: `base + amplitude · sin(2π · t / period)` plus Gaussian noise,
 * clamped to [min, max]. The sine is anchored to the Unix epoch (0 at 00:00 UTC, highest a quarter period later).
 * A pure function of (seed, sensor, tick, timestamp): the noise comes from its own stream seeded by all three, so
 * it does not depend on earlier values or on the other sensors.
 */
export function simulateValue(sensor: SimulatedSensor, seed: number, tick: number, timestamp: number): number {
  const phase = (((timestamp % sensor.period) + sensor.period) % sensor.period) / sensor.period;
  const random = mulberry32(mixSeed(seed, hashString(sensor.name), tick));
  let value = sensor.base + sensor.amplitude * Math.sin(2 * Math.PI * phase) + sensor.noise * gaussian(random);
  if (sensor.min !== undefined && value < sensor.min) value = sensor.min;
  if (sensor.max !== undefined && value > sensor.max) value = sensor.max;
  return value;
}

/** The readings of every sensor for one tick, in the order the sensors are configured. */
export function simulateReadings(
  options: Pick<SimulatorOptions, 'seed' | 'sensors' | 'tags'>,
  source: string,
  tick: number,
  timestamp: number,
): Reading[] {
  const tags: Tags = options.tags;
  return options.sensors.map((sensor) => ({
    source,
    sensor: sensor.name,
    value: simulateValue(sensor, options.seed, tick, timestamp),
    timestamp,
    tags,
  }));
}

/** Emits every configured sensor immediately on start and then every `interval`, until stopped. */
class SimulatorSource implements SourceDriver {
  private timer: NodeJS.Timeout | undefined;
  /** Emissions so far; part of the noise seed so consecutive readings differ. */
  private tick = 0;
  private readonly options: SimulatorOptions;

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
      const readings = simulateReadings(this.options, this.context.name, this.tick++, this.context.now());
      try {
        for (const reading of readings) emit(reading);
      } catch (error) {
        // A throwing consumer must not become an uncaught exception inside the timer.
        this.context.log.error({ err: error }, 'emitting a simulated reading failed');
      }
    };
    this.context.setConnected(true);
    this.timer = setInterval(emitTick, this.options.interval);
    emitTick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

export function createSimulatorSource(options: SimulatorOptions, context: DriverContext): SourceDriver {
  return new SimulatorSource(options, context);
}
