import { z } from 'zod';
import { docsNotes } from '../../rules/option-types.js';
import { duration } from '../option-types.js';

/** One simulated sensor: a signal (daily sine, random walk or steps) plus Gaussian noise, faults, dropouts, clamped. */
export const simulatedSensorOptions = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe('Sensor name of the readings, e.g. `greenhouse/temperature`.'),
    base: z.number().describe('The value the sensor swings around.'),
    amplitude: z
      .number()
      .default(0)
      .describe('Height of the sine above and below `base`; negative flips it.'),
    noise: z.number().min(0).default(0).describe('Standard deviation of the Gaussian noise (0 or more).'),
    min: z.number().optional().describe('Lowest value emitted; anything below is clamped to it.'),
    max: z.number().optional().describe('Highest value emitted; anything above is clamped to it. Must not be below `min`.'),
    period: duration()
      .refine((ms) => ms > 0, { error: 'period must be longer than 0' })
      .prefault('1d')
      .describe('Length of one full sine cycle; try `10m` to see a whole "day" during a demo.'),
    signal: z
      .enum(['sine', 'random_walk', 'step'])
      .default('sine')
      .describe('`sine`; `random_walk` (each reading moves by Gaussian `step`, pulled back towards `base` by `reversion`); `step` (cycles through `levels`, each lasting `every`).'),
    step: z.number().min(0).default(1).describe('random_walk: standard deviation of each step.'),
    reversion: z.number().min(0).max(1).default(0.05).describe('random_walk: share of the distance to base taken back each reading (0 = free walk).'),
    levels: z.array(z.number()).min(1).optional().describe('step: the values to cycle through, e.g. [18, 22].'),
    every: duration().prefault('1h').describe('step: how long each level lasts.'),
    dropout: z.number().min(0).max(1).default(0).describe('Probability that a reading is missing (deterministic by seed): for testing missing-data alerts.'),
    anomalies: z
      .array(
        z.strictObject({
          after: duration().describe('When the anomaly starts, counted from the start of the source.'),
          duration: duration().prefault('5m'),
          every: duration().optional().describe('Repeat with this period.'),
          kind: z.enum(['spike', 'shift', 'drift', 'flatline', 'noise']).describe('spike: +magnitude on the first reading; shift: +magnitude throughout; drift: rises linearly to +magnitude; flatline: stuck at the value it had; noise: extra noise of std dev magnitude.'),
          magnitude: z.number().default(10),
        }),
      )
      .default([])
      .describe('Injected faults: `[{ after: 10m, duration: 5m, every: 1h, kind: spike|shift|drift|flatline|noise, magnitude: 10 }]`, counted from the first reading. `spike` adds `magnitude` to one reading; `shift` to every reading of the fault; `drift` ramps up to `magnitude`; `flatline` holds the value it had; `noise` adds noise of that standard deviation.'),
    follows: z
      .strictObject({
        sensor: z.string().min(1).describe('A sensor listed before this one.'),
        gain: z.number().describe("Added per unit the leader is above its base: value += gain · (leader − leader's base)."),
      })
      .optional()
      .describe('`{ sensor: pump/speed, gain: 0.04 }`: the sensor moves with another listed before it, `value += gain · (leader − leader\'s base)`, using the leader\'s value of the same tick (faults included, so a fault of the leader carries over). For related sensors and relational faults.'),
  })
  .refine((sensor) => sensor.min === undefined || sensor.max === undefined || sensor.min <= sensor.max, {
    error: 'min must not be greater than max',
    path: ['max'],
  })
  .refine((sensor) => sensor.signal !== 'step' || sensor.levels !== undefined, {
    error: 'a step signal needs levels, e.g. levels: [18, 22]',
    path: ['levels'],
  });

export type SimulatedSensor = z.output<typeof simulatedSensorOptions>;

/** A greenhouse: warm and dry by day, cool and humid by night, soil slowly drying in the afternoon. */
const GREENHOUSE: z.input<typeof simulatedSensorOptions>[] = [
  { name: 'greenhouse/temperature', base: 22, amplitude: 4, noise: 0.3 },
  { name: 'greenhouse/humidity', base: 60, amplitude: -10, noise: 1.5, min: 0, max: 100 },
  { name: 'greenhouse/soil_moisture', base: 35, amplitude: -3, noise: 0.5, min: 0, max: 100 },
];

/**
 * A fault of the whole device: several sensors change together, each by its own amount, while the relationship
 * between them breaks (a valve closing part-way: flow down, pressure and current up, each within its usual range).
 */
export const relationalFault = z.strictObject({
  name: z.string().min(1).default('fault').describe('Label of the fault (written by the recording generator).'),
  after: duration().describe('When it starts, from the first reading.'),
  duration: duration().prefault('10m').describe('How long it lasts.'),
  every: duration().optional().describe('Repeat with this period.'),
  ramp: duration().prefault('0s').describe('The shifts grow linearly to their full size over this long (a valve closing slowly).'),
  shift: z
    .record(z.string(), z.number())
    .refine((shift) => Object.keys(shift).length >= 1, 'name at least one sensor')
    .describe('Sensor name → amount added while the fault lasts, after `follows`, before clamping, e.g. `{ pump/flow: -4, pump/pressure: 0.3 }`.'),
});

export type RelationalFault = z.output<typeof relationalFault>;

export const simulatorOptions = z.strictObject({
  driver: z.literal('simulator'),
  interval: duration()
    .refine((ms) => ms > 0, { error: 'interval must be longer than 0' })
    .prefault('1s')
    .describe('How often every sensor emits a reading (`500ms`, `10s`, `5m` …).'),
  seed: z
    .number()
    .int()
    .default(42)
    .describe('Integer seed of the noise. Same seed, same values.'),
  sensors: z
    .array(simulatedSensorOptions)
    .min(1)
    .refine((sensors) => new Set(sensors.map((sensor) => sensor.name)).size === sensors.length, {
      error: 'sensor names must be unique',
    })
    .prefault(GREENHOUSE)
    .describe('The simulated sensors, see below. At least one; names must be unique.')
    .register(docsNotes, { default: 'the greenhouse' }),
  tags: z
    .record(z.string(), z.string())
    .default({})
    .describe('Tags added to every reading, e.g. `{ site: demo }`.'),
  faults: z
    .array(relationalFault)
    .default([])
    .describe('Faults of the whole device that shift several sensors together (relational anomalies), see below.'),
}).superRefine((options, context) => {
  const names = options.sensors.map((sensor) => sensor.name);
  options.sensors.forEach((sensor, index) => {
    if (sensor.follows && !names.slice(0, index).includes(sensor.follows.sensor)) {
      context.addIssue({ code: 'custom', path: ['sensors', index, 'follows', 'sensor'], message: `follows a sensor listed before this one: ${names.slice(0, index).join(', ') || 'none'}` });
    }
  });
  options.faults.forEach((fault, index) => {
    for (const name of Object.keys(fault.shift)) {
      if (!names.includes(name)) context.addIssue({ code: 'custom', path: ['faults', index, 'shift', name], message: `no sensor ${name}; sensors: ${names.join(', ')}` });
    }
  });
});

export type SimulatorOptions = z.output<typeof simulatorOptions>;
