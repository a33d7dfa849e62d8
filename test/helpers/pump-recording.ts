import { recordTicks, simulatedDevice } from '../../bench/group-anomaly/pump-recording.js';
import type { SimulatorOptions } from '../../drivers/simulator/simulator-options.js';
import type { Reading } from '../../rules/reading.js';

/** The pump of drivers/simulator/pump-sample.yaml, with another seed when given. */
export function pumpOptions(seed?: number): SimulatorOptions {
  return simulatedDevice(seed).options;
}

/** One simulated round (every sensor once) per second from `start`, with the names of the faults active then. */
export function* pumpRounds(options: SimulatorOptions, start: number, seconds: number): Generator<{ readings: Reading[]; faults: string[] }> {
  yield* recordTicks({ name: 'pump', options }, start, seconds);
}
