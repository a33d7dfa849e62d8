import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { type SimulatorOptions, simulatorOptions } from '../../drivers/simulator/simulator-options.js';
import { activeFaults, simulateReadings } from '../../drivers/simulator/simulator-source.js';
import type { Reading } from '../../rules/reading.js';

/** The pump of drivers/simulator/pump-sample.yaml, with another seed when given. */
export function pumpOptions(seed?: number): SimulatorOptions {
  const sample = parse(readFileSync(new URL('../../drivers/simulator/pump-sample.yaml', import.meta.url), 'utf8')) as { sources: { pump: Record<string, unknown> } };
  return simulatorOptions.parse({ ...sample.sources.pump, ...(seed === undefined ? {} : { seed }) });
}

/** One simulated round (every sensor once) per second from `start`, with the names of the faults active then. */
export function* pumpRounds(options: SimulatorOptions, start: number, seconds: number): Generator<{ readings: Reading[]; faults: string[] }> {
  const state = { startedAt: start, walks: new Map<string, number>(), held: new Map<string, number>() };
  for (let tick = 0; tick < seconds; tick++) {
    const timestamp = start + tick * 1000;
    yield { readings: simulateReadings(options, 'pump', tick, timestamp, state), faults: activeFaults(options, timestamp - start) };
  }
}
