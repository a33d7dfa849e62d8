import { z } from 'zod';
import type { Reading } from '../reading.js';
import { withValueAt } from './copy-reading.js';
import { PerSensor } from './per-sensor.js';
import { defineTransform, period } from './transform-definition.js';

export const heartbeatSchema = z
  .union(
    [
      period(),
      z.strictObject({
        period: period().describe('How often the last value is sent.'),
        optimistic: z
          .boolean({ error: 'expected true or false' })
          .default(false)
          .describe('true: also pass every reading as it arrives.'),
      }),
    ],
    { error: 'expected a period such as 60s, or { period: 60s, optimistic: true }' },
  )
  .transform((options) => (typeof options === 'number' ? { period: options, optimistic: false } : options));

interface Beat {
  /** The newest reading: its value is what the next beat sends. */
  last: Reading;
  /** When the next beat is due. */
  next: number;
}

/**
 * `heartbeat: 60s` — ESPHome's heartbeat: sends the sensor's last value once per period, whether or not new readings
 * came. Readings themselves do not pass (only the beats carry values) unless `optimistic: true`, which passes each
 * reading as well. Per sensor, beats fall every period after its first reading, on a fixed grid that readings do not
 * reset; each beat is stamped with its due time.
 *
 * Beats are sent by `advance(now)`, and also by a reading that arrives after a beat was due (non-optimistic only;
 * that beat sends the value before the reading), so replaying readings without `advance` still gives the beats.
 * When several beats were missed (the agent was paused, the clock jumped), only the latest is sent: repeating one
 * value many times over carries nothing new, and a jump of years must not flood the buffer.
 */
export const heartbeat = defineTransform(heartbeatSchema, ({ period: periodMs, optimistic }) => {
  const states = new PerSensor<Beat>((first) => ({ last: first, next: first.timestamp + periodMs }));
  /** Sends the beat due at `due` (one of the grid times) and moves the schedule past it. */
  const beat = (state: Beat, due: number): Reading => {
    state.next = due + periodMs;
    return withValueAt(state.last, state.last.value, due);
  };
  return {
    apply: (reading: Reading, now?: number) => {
      const state = states.of(reading, now);
      let out: Reading | undefined;
      // A beat due at the reading's own timestamp sends the new value (from advance), not the old one.
      if (state.next < reading.timestamp) {
        // The latest beat strictly before the reading.
        const missed = beat(state, state.next + (Math.ceil((reading.timestamp - state.next) / periodMs) - 1) * periodMs);
        if (!optimistic) out = missed;
      }
      state.last = reading;
      return optimistic ? reading : out;
    },
    advance: (now: number) => {
      const out: Reading[] = [];
      states.forEach((state) => {
        if (state.next <= now) out.push(beat(state, state.next + Math.floor((now - state.next) / periodMs) * periodMs));
      });
      return out;
    },
    // The next beat stays one period after the last, in the new time: a step back does not silence the sensor.
    clockStepped: (stepMs: number) => {
      states.forEach((state) => (state.next += stepMs));
      return [];
    },
    sensors: states,
  };
});
