import type { Reading } from '../reading.js';
import { withValueAt } from './copy-reading.js';
import { PerSensor } from './per-sensor.js';
import { defineTransform, period } from './transform-definition.js';

interface Interval {
  sum: number;
  count: number;
  /** End of the open interval (exclusive); meaningful while count > 0. */
  end: number;
  /** The newest reading taken: source, sensor and tags of the average. */
  last: Reading | undefined;
}

/**
 * `throttle_average: 10s` — ESPHome's throttle_average on reading timestamps: the readings of each interval are
 * averaged, and the average is sent once the interval is over. Intervals are aligned to the epoch (10s: :00, :10 …),
 * like tumbling windows. The average is emitted by the first reading of a later interval (in place of that reading,
 * which opens the next interval) or by `advance(now)` once `now` reaches the interval's end, and it is stamped with the
 * interval's end — the moment ESPHome would send it. Nothing is sent for an interval without readings. A reading
 * older than the open interval joins the open interval.
 */
export const throttleAverage = defineTransform(period(), (periodMs) => {
  // An open interval's average is sent (by advance, once the interval is over) before its sensor may be forgotten.
  const states = new PerSensor<Interval>(
    () => ({ sum: 0, count: 0, end: 0, last: undefined }),
    (interval) => interval.count > 0,
  );
  const close = (interval: Interval): Reading => {
    const average = withValueAt(interval.last!, interval.sum / interval.count, interval.end);
    interval.sum = 0;
    interval.count = 0;
    return average;
  };
  return {
    apply: (reading: Reading, now?: number) => {
      const interval = states.of(reading, now);
      const average = interval.count > 0 && reading.timestamp >= interval.end ? close(interval) : undefined;
      if (interval.count === 0) interval.end = (Math.floor(reading.timestamp / periodMs) + 1) * periodMs;
      interval.sum += reading.value;
      interval.count += 1;
      interval.last = reading;
      return average;
    },
    advance: (now: number) => {
      const out: Reading[] = [];
      states.forEach((interval) => {
        if (interval.count > 0 && interval.end <= now) out.push(close(interval));
      });
      return out;
    },
    // Intervals are aligned to the epoch: one open across a step is sent as it is, and the next starts afresh.
    clockStepped: () => {
      const out: Reading[] = [];
      states.forEach((interval) => {
        if (interval.count > 0) out.push(close(interval));
      });
      return out;
    },
    sensors: states,
  };
});
