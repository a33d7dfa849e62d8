import { z } from 'zod';
import { docsNotes } from '../../rules/option-types.js';
import { duration } from '../option-types.js';

const edge = () => z.enum(['rising', 'falling', 'both']);

/** What every pin has, whatever its mode. */
const pinCommon = {
  pin: z
    .number()
    .int()
    .min(0)
    .max(63)
    .describe('BCM GPIO number (GPIO17 is header pin 11), not the header pin number.'),
  name: z
    .string()
    .min(1)
    .optional()
    .describe('Sensor name of its readings, e.g. door or rain; defaults to gpio/<pin>.'),
  debounce: duration().prefault('10ms').describe('How long the line must be quiet before a change counts (0ms: off).'),
  active_low: z.boolean().default(false).describe('Invert the line: a low level reads as 1 (a switch to ground).'),
  pull: z
    .enum(['up', 'down', 'none'])
    .optional()
    .describe(
      'The pull resistor the wiring needs. Not set by this driver (sysfs cannot): set it in config.txt (gpio=17=ip,pu) or with pinctrl/raspi-gpio; the agent logs the line to add.',
    ),
};

const statePin = z.strictObject({
  mode: z.literal('state').describe('state: emit 1 or 0 at start and on every change.'),
  ...pinCommon,
  edge: edge().default('both').describe('Which changes to report: both (default), rising or falling.'),
});

const counterPin = z.strictObject({
  mode: z.literal('counter').describe('counter: count pulses; emit <name>/rate and <name>/total every rate_interval.'),
  ...pinCommon,
  edge: edge().default('rising').describe('Which edge is a pulse: rising (default), falling or both.'),
  unit_per_pulse: z
    .number()
    .positive()
    .default(1)
    .describe('What one pulse is worth, e.g. 0.2794 (mm of rain per bucket tip) or 0.001 (kWh at 1000 imp/kWh).'),
  rate_interval: duration()
    .refine((ms) => ms > 0, { error: 'rate_interval must be longer than 0' })
    .prefault('1m')
    .describe('How often <name>/rate (units per second over the interval) and <name>/total are emitted.'),
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
