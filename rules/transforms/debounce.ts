import type { Reading } from '../reading.js';
import { withValueAt } from './copy-reading.js';
import { PerSensor } from './per-sensor.js';
import { defineTransform, period } from './transform-definition.js';

interface Pending {
  reading: Reading | undefined;
  /** When the pending reading will have been stable for the period. */
  due: number;
}

/**
 * `debounce: 1s` — ESPHome's debounce: a reading is held, and sent only once no newer reading of the sensor came for
 * the period; each new reading replaces the held one and restarts the period (from the newest timestamp seen, so an
 * out-of-order reading cannot shorten it). The held reading is sent by `advance(now)` once `now` reaches its due time,
 * or by the next reading if that arrives at or after the due time. It is stamped with its due time, when ESPHome
 * would send it — which keeps it in step with windows downstream that wait only briefly for late readings.
 */
export const debounce = defineTransform(period(), (periodMs) => {
  // A held reading is sent (by advance, once due) before its sensor may be forgotten.
  const states = new PerSensor<Pending>(
    () => ({ reading: undefined, due: Number.NEGATIVE_INFINITY }),
    (pending) => pending.reading !== undefined,
  );
  const release = (pending: Pending): Reading => {
    const held = pending.reading!;
    pending.reading = undefined;
    return withValueAt(held, held.value, pending.due);
  };
  return {
    apply: (reading: Reading, now?: number) => {
      const pending = states.of(reading, now);
      const stable = pending.reading && pending.due <= reading.timestamp ? release(pending) : undefined;
      pending.due = pending.reading ? Math.max(pending.due, reading.timestamp + periodMs) : reading.timestamp + periodMs;
      pending.reading = reading;
      return stable;
    },
    advance: (now: number) => {
      const out: Reading[] = [];
      states.forEach((pending) => {
        if (pending.reading && pending.due <= now) out.push(release(pending));
      });
      return out;
    },
    // The held reading still waits out the rest of its period, counted in the new time.
    clockStepped: (stepMs: number) => {
      states.forEach((pending) => (pending.due += stepMs));
      return [];
    },
    sensors: states,
  };
});
