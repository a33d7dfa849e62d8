import type { Reading } from '../reading.js';

/**
 * State of a stateful step, one per source and sensor. Nested maps rather than one map keyed by
 * `source + sensor`, so the hot path builds no key strings.
 */
export class PerSensor<S> {
  private readonly sources = new Map<string, Map<string, S>>();

  /** `create` makes the state of a sensor seen for the first time (from its first reading). */
  constructor(private readonly create: (first: Reading) => S) {}

  /** The state of the reading's sensor, created on first sight. */
  of(reading: Reading): S {
    let sensors = this.sources.get(reading.source);
    if (!sensors) {
      sensors = new Map();
      this.sources.set(reading.source, sensors);
    }
    let state = sensors.get(reading.sensor);
    if (state === undefined) {
      state = this.create(reading);
      sensors.set(reading.sensor, state);
    }
    return state;
  }

  /** Visits every sensor's state (for `advance`). */
  forEach(visit: (state: S) => void): void {
    for (const sensors of this.sources.values()) for (const state of sensors.values()) visit(state);
  }
}
