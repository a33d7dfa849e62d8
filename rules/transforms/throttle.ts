import type { Reading } from '../reading.js';
import { PerSensor } from './per-sensor.js';
import { defineTransform, period } from './transform-definition.js';

interface LastPassed {
  seen: boolean;
  timestamp: number;
}

/**
 * `throttle: 10s` — passes at most one reading per period per sensor: the first, then the first whose timestamp is
 * at least one period after the last one passed (as ESPHome's throttle, on reading timestamps instead of the clock).
 * A reading more than a period *older* than the last one passed means the sensor's clock was reset (a Pi without a
 * real-time clock): it passes and restarts the period, rather than silencing the sensor until time catches up.
 */
export const throttle = defineTransform(period(), (periodMs) => {
  const states = new PerSensor<LastPassed>(() => ({ seen: false, timestamp: 0 }));
  return {
    apply: (reading: Reading, now?: number) => {
      const last = states.of(reading, now);
      const elapsed = reading.timestamp - last.timestamp;
      if (last.seen && elapsed < periodMs && elapsed >= -periodMs) return undefined;
      last.seen = true;
      last.timestamp = reading.timestamp;
      return reading;
    },
    sensors: states,
  };
});
