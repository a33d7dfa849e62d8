import { z } from 'zod';
import { docsNotes } from '../../rules/option-types.js';
import { duration } from '../option-types.js';

const edge = () => z.enum(['rising', 'falling', 'both']);
const EDGE = 'Which changes count (a counter\'s pulses): `rising`, `falling` or `both`.';

/** What every pin has, whatever its mode. */
const pinCommon = {
  pin: z
    .number()
    .int()
    .min(0)
    .max(63)
    .describe('BCM GPIO number (GPIO17 is header pin 11), not the header pin number; 0–63, and it must exist on the chip (0–53 on a Pi 5).'),
  name: z
    .string()
    .min(1)
    .optional()
    .describe('Sensor name of its readings, e.g. `shed/door` (a counter adds `/rate` and `/total`); defaults to `gpio/<pin>`.')
    .register(docsNotes, { default: '`gpio/<pin>`' }),
  debounce: duration()
    .prefault('10ms')
    .describe(
      'How long the line must stay quiet before a change counts; `0ms` turns it off. Passed to onoff (`debounceTimeout`), which reports a change once the line has been stable that long: pulses closer together than this merge.',
    ),
  active_low: z.boolean().default(false).describe('Invert the line: a low level reads as `1` (a switch to ground with a pull-up).'),
  pull: z
    .enum(['up', 'down', 'none'])
    .optional()
    .describe(
      '`up`, `down` or `none`: the pull resistor the wiring needs. **Not set by this driver**: sysfs GPIO cannot set pulls. It is set by the device tree: add `gpio=17=ip,pu` (or `pd`) to `/boot/firmware/config.txt`, or at run time `pinctrl set 17 ip pu` (Pi 5, Bookworm) / `raspi-gpio set 17 ip pu` (older). When given, the agent logs the line to add.',
    ),
};

const statePin = z.strictObject({
  mode: z.literal('state').describe('`state`: emit `1` or `0` at start and on every change.'),
  ...pinCommon,
  edge: edge().default('both').describe(EDGE),
});

const counterPin = z.strictObject({
  mode: z.literal('counter').describe('`counter`: count pulses; emit `<name>/rate` and `<name>/total` every `rate_interval`.'),
  ...pinCommon,
  edge: edge().default('rising').describe(EDGE),
  unit_per_pulse: z
    .number()
    .positive()
    .default(1)
    .describe('What one pulse is worth, e.g. 0.2794 (mm of rain per bucket tip) or 0.001 (kWh at 1000 imp/kWh).'),
  rate_interval: duration()
    .refine((ms) => ms > 0, { error: 'rate_interval must be longer than 0' })
    .prefault('1m')
    .describe('How often `<name>/rate` (units per second over the interval) and `<name>/total` are emitted.'),
});

export const gpioPinOptions = z.discriminatedUnion('mode', [statePin, counterPin]);
export type GpioPinOptions = z.output<typeof gpioPinOptions>;
export type GpioStatePin = z.output<typeof statePin>;
export type GpioCounterPin = z.output<typeof counterPin>;

/** The sensor name of a pin's readings. */
export function pinName(pin: { pin: number; name?: string | undefined }): string {
  return pin.name ?? `gpio/${pin.pin}`;
}

export const gpioOptions = z.strictObject({
  driver: z.literal('gpio'),
  pins: z
    .array(gpioPinOptions)
    .min(1)
    .refine((pins) => new Set(pins.map((p) => p.pin)).size === pins.length, { error: 'each pin may be listed once' })
    .refine((pins) => new Set(pins.map(pinName)).size === pins.length, { error: 'pin names must be unique' })
    .describe('The input pins, at least one; see below. Each pin and each name once.'),
  chip_path: z
    .string()
    .min(1)
    .default('/sys/class/gpio')
    .describe('Where `gpiochip*/` and `export` are. Change only for tests: onoff always uses `/sys/class/gpio`.'),
  chip_label: z
    .string()
    .min(1)
    .optional()
    .describe('Part of the label of the chip the pin numbers count on, for boards other than the Pi; by default the Raspberry Pi header chip (`pinctrl-rp1`, `pinctrl-bcm2711`, `pinctrl-bcm2835`).')
    .register(docsNotes, { default: 'Pi header chip' }),
  tags: z
    .record(z.string(), z.string())
    .default({})
    .describe('Tags added to every reading, e.g. `{ site: shed }`.'),
});

export type GpioOptions = z.output<typeof gpioOptions>;
