import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { type SimulatorOptions, simulatorOptions } from '../../drivers/simulator/simulator-options.js';
import { activeFaults, simulateReadings } from '../../drivers/simulator/simulator-source.js';
import type { Reading } from '../../rules/reading.js';

/** The simulated device of a sample file (default drivers/simulator/pump-sample.yaml), with another seed if given. */
export function simulatedDevice(seed: number | undefined, sample: URL | string = new URL('../../drivers/simulator/pump-sample.yaml', import.meta.url)): { name: string; options: SimulatorOptions } {
  const config = parse(readFileSync(sample, 'utf8')) as { sources?: Record<string, Record<string, unknown>> };
  const [name, source] = Object.entries(config.sources ?? {}).find(([, options]) => options.driver === 'simulator') ?? [];
  if (!name || !source) throw new Error(`${String(sample)}: no simulator source`);
  return { name, options: simulatorOptions.parse({ ...source, ...(seed === undefined ? {} : { seed }) }) };
}

/** One tick of a recording: the readings (dropped-out ones left out) and the device faults active then. */
export interface RecordedTick {
  readonly timestamp: number;
  readonly readings: Reading[];
  readonly faults: string[];
}

/** The simulator's ticks from `start` for `seconds` × interval, exactly as a running source would emit them. */
export function* recordTicks(device: { name: string; options: SimulatorOptions }, start: number, ticks: number): Generator<RecordedTick> {
  const state = { startedAt: start, walks: new Map<string, number>(), held: new Map<string, number>() };
  for (let tick = 0; tick < ticks; tick++) {
    const timestamp = start + tick * device.options.interval;
    yield { timestamp, readings: simulateReadings(device.options, device.name, tick, timestamp, state), faults: activeFaults(device.options, timestamp - start) };
  }
}
