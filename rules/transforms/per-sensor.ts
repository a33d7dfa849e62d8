import type { Reading } from '../reading.js';
import { SensorStates } from '../sensor-states.js';

/** What the chain needs of a step's per-sensor state: to forget silent sensors, and to count them. */
export interface SensorMemory {
  readonly size: number;
  /** Forgets the sensors that had no reading for `silentMs` by `now` (a slice of them per call). */
  forgetSilent(now: number, silentMs: number): void;
  /** The wall clock was set by `stepMs`: silence is measured as if it had been right all along. */
  clockStepped(stepMs: number): void;
}

/**
 * State of a stateful step, one per source and sensor, stamped with when the sensor's last reading reached the step,
 * so that a sensor gone silent can be forgotten: it starts afresh if it comes back.
 */
export class PerSensor<S> implements SensorMemory {
  private readonly states = new SensorStates<S>();

  /**
   * `create` makes the state of a sensor seen for the first time (from its first reading); `busy` says a state still
   * holds something to send (a debounced reading, an open average), which is sent before the sensor is forgotten.
   */
  constructor(
    private readonly create: (first: Reading) => S,
    private readonly busy?: (state: S) => boolean,
  ) {}

  get size(): number {
    return this.states.size;
  }

  /** The state of the reading's sensor, created on first sight; `now` is when the reading arrived (its timestamp by default). */
  of(reading: Reading, now: number = reading.timestamp): S {
    return (
      this.states.seen(reading.source, reading.sensor, now) ??
      this.states.add(reading.source, reading.sensor, now, this.create(reading))
    );
  }

  /** Visits every sensor's state (for `advance`). */
  forEach(visit: (state: S) => void): void {
    this.states.forEach(visit);
  }

  forgetSilent(now: number, silentMs: number): void {
    this.states.forgetSilent(now, silentMs, this.busy);
  }

  clockStepped(stepMs: number): void {
    this.states.clockStepped(stepMs);
  }
}
