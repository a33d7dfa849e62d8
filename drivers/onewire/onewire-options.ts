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
      'How often every sensor is read, e.g. 10s or 1m. The first poll happens at start. A DS18B20 needs up to 750 ms per reading.',
    ),
  base_path: z
    .string()
    .min(1)
    .default('/sys/bus/w1/devices')
    .describe('Directory of the kernel 1-Wire devices (28-*/w1_slave); change only for tests or containers.'),
  sensors: z
    .record(
      z.string().regex(ONEWIRE_ID, { error: 'expected a 1-Wire id such as 28-0316a2794cff (lower-case hex)' }),
      z.string().min(1),
    )
    .default({})
    .describe(
      'Sensor names by 1-Wire id, e.g. { 28-0316a2794cff: greenhouse/soil_temperature }. Sensors not listed are read too, named onewire/<id>.',
    ),
  allow_85: z
    .boolean()
    .default(false)
    .describe(
      'Accept 85 °C readings. A DS18B20 reports exactly 85 °C when it lost power before converting, so they are rejected by default.',
    ),
  tags: z
    .record(z.string(), z.string())
    .default({})
    .describe('Tags added to every reading, e.g. { site: greenhouse }.'),
});

export type OnewireOptions = z.output<typeof onewireOptions>;
