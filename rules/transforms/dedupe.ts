import type { Reading } from '../reading.js';
import { PerSensor } from './per-sensor.js';
import { defineTransform, period } from './transform-definition.js';

interface Seen {
  /** Values seen, by timestamp, in the order they were first seen; several values at one timestamp are a list. */
  readonly values: Map<number, number | number[]>;
  /** The newest timestamp seen; the window reaches back `window` ms from it. */
  newest: number;
  /** Timestamp of the oldest entry in `values` by insertion: eviction is only looked at when it has left the window. */
  front: number;
}

/**
 * `dedupe: 10s` — drops exact repeats: a reading whose timestamp *and* value equal those of a reading of the same
 * source and sensor seen within the window (MQTT QoS 1 redelivers a message after a reconnect, a bridge forwards it
 * twice …). The window is measured on reading timestamps, back from the newest one seen for the sensor; a reading
 * older than that is passed, as there is nothing left to compare it with. A new measurement that happens to repeat
 * the last value has a new timestamp and always passes — to drop unchanged values use `on_change` or `delta`.
 */
export const dedupe = defineTransform(period(), (windowMs) => {
  const states = new PerSensor<Seen>((first) => ({ values: new Map(), newest: first.timestamp, front: first.timestamp }));
  const evict = (seen: Seen) => {
    const horizon = seen.newest - windowMs;
    for (const timestamp of seen.values.keys()) {
      if (timestamp >= horizon) {
        seen.front = timestamp;
        return;
      }
      seen.values.delete(timestamp);
    }
    seen.front = seen.newest;
  };
  return {
    apply: (reading: Reading, now?: number) => {
      const seen = states.of(reading, now);
      const { timestamp, value } = reading;
      if (timestamp > seen.newest) {
        seen.newest = timestamp;
        if (seen.front < timestamp - windowMs) evict(seen);
      } else if (timestamp < seen.newest - windowMs) {
        return reading;
      }
      const earlier = seen.values.get(timestamp);
      if (earlier === undefined) {
        if (seen.values.size === 0) seen.front = timestamp;
        seen.values.set(timestamp, value);
      } else if (typeof earlier === 'number') {
        if (earlier === value) return undefined;
        seen.values.set(timestamp, [earlier, value]);
      } else {
        if (earlier.includes(value)) return undefined;
        earlier.push(value);
      }
      return reading;
    },
    sensors: states,
  };
});
