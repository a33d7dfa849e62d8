import { z } from 'zod';
import type { Reading } from '../reading.js';
import { PerSensor } from './per-sensor.js';
import { defineTransform } from './transform-definition.js';

const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;
const DELTA_HELP = 'expected a change such as 0.5, or a percentage of the last passed value such as 5%';

export const deltaSchema = z
  .union(
    [
      z
        .number()
        .positive({ error: 'must be greater than 0; to pass every change, use on_change: true' })
        .transform((amount) => ({ amount, relative: false })),
      z
        .string()
        .regex(PERCENT, { error: DELTA_HELP })
        .transform((text) => ({ amount: Number(PERCENT.exec(text)![1]) / 100, relative: true }))
        .refine(({ amount }) => amount > 0, { error: 'must be greater than 0%; to pass every change, use on_change: true' }),
    ],
    { error: DELTA_HELP },
  );

interface LastPassed {
  seen: boolean;
  value: number;
}

/**
 * A change within a billionth of the delta counts as reaching it: in binary floating point 0.3 − 0.1 is
 * 0.19999999999999998, and a user who wrote `delta: 0.2` means that step to pass.
 */
const TOLERANCE = 1 - 1e-9;

/**
 * `delta: 0.5` / `delta: 5%` — a deadband: passes a reading when its value differs from the last value this step
 * passed by at least the delta (absolute, or that percentage of the last passed value's magnitude). The first reading
 * of a sensor always passes. An unchanged value never passes, so `5%` of a last value of 0 passes any change.
 */
export const delta = defineTransform(deltaSchema, ({ amount, relative }) => {
  const states = new PerSensor<LastPassed>(() => ({ seen: false, value: 0 }));
  return {
    apply: (reading: Reading, now?: number) => {
      const last = states.of(reading, now);
      const value = reading.value;
      if (last.seen) {
        const threshold = (relative ? Math.abs(last.value) * amount : amount) * TOLERANCE;
        if (value === last.value || !(Math.abs(value - last.value) >= threshold)) return undefined;
      }
      last.seen = true;
      last.value = value;
      return reading;
    },
    sensors: states,
  };
});

/** `on_change: true` — passes a reading only when its value differs from the last one passed (the first passes). */
export const onChange = defineTransform(
  z.literal(true, { error: 'write on_change: true (the step has no options)' }),
  () => {
    const states = new PerSensor<LastPassed>(() => ({ seen: false, value: 0 }));
    return {
      apply: (reading: Reading, now?: number) => {
        const last = states.of(reading, now);
        if (last.seen && reading.value === last.value) return undefined;
        last.seen = true;
        last.value = reading.value;
        return reading;
      },
      sensors: states,
    };
  },
);
