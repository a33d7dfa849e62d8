import { z } from 'zod';
import { duration } from '../option-types.js';

/** A 1-Wire device id as the kernel names its directory: family code, dash, 12 hex digits (`28-0316a2794cff`). */
export const ONEWIRE_ID = /^[0-9a-f]{2}-[0-9a-f]{12}$/;

export const onewireOptions = z.strictObject({
  driver: z.literal('onewire'),
  interval: duration()
    .refine((ms) => ms > 0, { error: 'interval must be longer than 0' })
    .prefault('10s')
    .describe(
      'How often every sensor is read (`500ms`, `10s`, `5m` …); the first poll happens at start. A DS18B20 needs up to 750 ms per reading: keep it above 1 s per sensor on one bus.',
    ),
  base_path: z
    .string()
    .min(1)
    .default('/sys/bus/w1/devices')
    .describe('Where the kernel lists 1-Wire devices (`28-*/w1_slave`). Change only for tests or containers.'),
  sensors: z
    .record(
      z.string().regex(ONEWIRE_ID, { error: 'expected a 1-Wire id such as 28-0316a2794cff (lower-case hex)' }),
      z.string().min(1),
    )
    .default({})
    .describe(
      'Sensor names by 1-Wire id (lower-case, as in `ls /sys/bus/w1/devices`), e.g. `{ 28-0316a2794cff: greenhouse/soil_temperature }`. Sensors not listed are read too, named `onewire/<id>`.',
    ),
  allow_85: z
    .boolean()
    .default(false)
    .describe(
      'Accept exactly 85 °C. It is the DS18B20\'s power-on value (it lost power before converting), so it is rejected unless you really measure 85 °C.',
    ),
  tags: z
    .record(z.string(), z.string())
    .default({})
    .describe('Tags added to every reading, e.g. `{ site: greenhouse }`.'),
});

export type OnewireOptions = z.output<typeof onewireOptions>;
