import { z } from 'zod';
import { duration } from '../option-types.js';

/** One simulated sensor: a signal (daily sine, random walk or steps) plus Gaussian noise, faults, dropouts, clamped. */
export const simulatedSensorOptions = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe('Sensor name of the readings, slash-separated from general to specific, e.g. greenhouse/temperature.'),
    base: z.number().describe('Value the sensor swings around (the middle of the sine).'),
    amplitude: z
      .number()
      .default(0)
      .describe('Height of the sine above and below base; negative turns it upside down. 0 = no swing.'),
    noise: z.number().min(0).default(0).describe('Standard deviation of the Gaussian noise added to every value.'),
    min: z.number().optional().describe('Lowest value emitted; lower values are clamped to it.'),
    max: z.number().optional().describe('Highest value emitted; higher values are clamped to it.'),
    period: duration()
      .refine((ms) => ms > 0, { error: 'period must be longer than 0' })
      .prefault('1d')
      .describe('Length of one full sine cycle, e.g. 1d for a daily rhythm or 10m for a quick demo.'),
    signal: z
      .enum(['sine', 'random_walk', 'step'])
      .default('sine')
      .describe('sine: base + amplitude · sin; random_walk: wanders around base (step per reading, pulled back by reversion); step: cycles through levels.'),
    step: z.number().min(0).default(1).describe('random_walk: standard deviation of each step.'),
    reversion: z.number().min(0).max(1).default(0.05).describe('random_walk: share of the distance to base taken back each reading (0 = free walk).'),
    levels: z.array(z.number()).min(1).optional().describe('step: the values to cycle through, e.g. [18, 22].'),
    every: duration().prefault('1h').describe('step: how long each level lasts.'),
    dropout: z.number().min(0).max(1).default(0).describe('Probability that a reading is missing, e.g. 0.05 (deterministic by seed).'),
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
      .describe('Injected faults, for trying out anomaly alerts.'),
    follows: z
      .strictObject({
        sensor: z.string().min(1).describe('A sensor listed before this one.'),
        gain: z.number().describe("Added per unit the leader is above its base: value += gain · (leader − leader's base)."),
      })
      .optional()
      .describe('Moves with another sensor of the source (a pump: flow, pressure and current follow its speed), for relational anomalies.'),
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
const relationalFault = z.strictObject({
  name: z.string().min(1).default('fault').describe('Label of the fault, written by the recording generator.'),
  after: duration().describe('When the fault starts, counted from the start of the source.'),
  duration: duration().prefault('10m'),
  every: duration().optional().describe('Repeat with this period.'),
  ramp: duration().prefault('0s').describe('The shifts grow linearly to their full size over this long (a valve closing slowly).'),
  shift: z
    .record(z.string(), z.number())
    .refine((shift) => Object.keys(shift).length >= 1, 'name at least one sensor')
    .describe('Sensor name → amount added while the fault lasts, e.g. { pump/flow: -4, pump/pressure: 0.3 }.'),
});

export type RelationalFault = z.output<typeof relationalFault>;

export const simulatorOptions = z.strictObject({
  driver: z.literal('simulator'),
  interval: duration()
    .refine((ms) => ms > 0, { error: 'interval must be longer than 0' })
    .prefault('1s')
    .describe('How often every sensor emits a reading, e.g. 1s or 500ms.'),
  seed: z
    .number()
    .int()
    .default(42)
    .describe('Seed of the random noise: the same seed gives the same values on every run.'),
  sensors: z
    .array(simulatedSensorOptions)
    .min(1)
    .refine((sensors) => new Set(sensors.map((sensor) => sensor.name)).size === sensors.length, {
      error: 'sensor names must be unique',
    })
    .prefault(GREENHOUSE)
    .describe('The simulated sensors; defaults to a greenhouse (temperature, humidity, soil moisture).'),
  tags: z
    .record(z.string(), z.string())
    .default({})
    .describe('Tags added to every reading, e.g. { site: demo }.'),
  faults: z
    .array(relationalFault)
    .default([])
    .describe('Faults of the whole device that shift several sensors together (relational anomalies).'),
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
