import { PerSensor } from './per-sensor.js';
import { count, defineTransform } from './transform-definition.js';

/** `skip_initial: 3` — drops the first N readings of each sensor (sensors whose first values after power-on are off). */
export const skipInitial = defineTransform(count(), (skip) => {
  const states = new PerSensor(() => ({ skipped: 0 }));
  return {
    apply: (reading, now) => {
      const state = states.of(reading, now);
      if (state.skipped >= skip) return reading;
      state.skipped += 1;
      return undefined;
    },
    sensors: states,
  };
});
