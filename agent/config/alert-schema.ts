import { z } from 'zod';
import { duration } from '../../drivers/option-types.js';
import { AlertTracker } from '../../rules/anomaly/alert-tracker.js';
import { GroupAlertTracker } from '../../rules/anomaly/group-alert-tracker.js';
import { GROUP_DEFAULTS, type GroupAnomalySpec } from '../../rules/anomaly/group-anomaly.js';
import type { DetectorSpec } from '../../rules/anomaly/detector-spec.js';
import type { AlertSpec } from '../../rules/rule-spec.js';

const number = () => z.number({ error: 'expected a number' });
const count = () => z.number({ error: 'expected a whole number' }).int('expected a whole number').positive('must be at least 1');

const windowBounds = z
  .strictObject({
    readings: count().optional().describe('The latest this many readings.'),
    duration: duration().optional().describe('Readings of the last this long.'),
  })
  .refine((bounds) => bounds.readings !== undefined || bounds.duration !== undefined, 'give readings, duration or both');

/** Each detector's options, as written under `alert:`; defaults as in rules/anomaly/README.md. */
const DETECTORS = {
  threshold: z
    .strictObject({
      above: number().optional().describe('Fires above this.'),
      clear_below: number().optional().describe('Clears below this (default: above).'),
      below: number().optional().describe('Fires below this.'),
      clear_above: number().optional().describe('Clears above this (default: below).'),
    })
    .refine((spec) => spec.above !== undefined || spec.below !== undefined, 'give above, below or both'),
  rate: z
    .strictObject({
      above: number().optional().describe('Fires when rising faster than this, in units per `per`.'),
      below: number().optional().describe('Fires when the rate is below this (e.g. -2: falling faster than 2 per `per`).'),
      per: z.enum(['second', 'minute']).default('minute'),
      span: duration().prefault('5m').describe('The span the rate is measured over.'),
    })
    .refine((spec) => spec.above !== undefined || spec.below !== undefined, 'give above, below or both'),
  zscore: z.strictObject({
    threshold: number().positive().default(3),
    window: windowBounds.prefault({ readings: 100 }),
    min_readings: count().default(10),
    direction: z.enum(['both', 'above', 'below']).default('both'),
  }),
  mad: z.strictObject({
    threshold: number().positive().default(3.5),
    window: windowBounds.prefault({ readings: 100 }),
    min_readings: count().default(10),
    direction: z.enum(['both', 'above', 'below']).default('both'),
    min_spread: number().nonnegative().default(0).describe('Smallest spread to divide by, in the sensor unit.'),
  }),
  ewma: z.strictObject({
    lambda: number().gt(0).max(1).default(0.2),
    limit: number().positive().default(3),
    warmup: count().default(30),
    baseline_alpha: number().min(0).max(1).default(0.001),
  }),
  cusum: z.strictObject({
    k: number().nonnegative().default(0.5),
    h: number().positive().default(5),
    warmup: count().default(30),
    baseline_alpha: number().min(0).max(1).default(0.001),
  }),
  flatline: z
    .strictObject({
      epsilon: number().nonnegative().default(0).describe('Largest spread that still counts as no change.'),
      readings: count().optional(),
      duration: duration().optional(),
    })
    .refine((spec) => spec.readings !== undefined || spec.duration !== undefined, 'give readings, duration or both'),
  range: z
    .strictObject({ min: number().optional(), max: number().optional() })
    .refine((spec) => spec.min !== undefined || spec.max !== undefined, 'give min, max or both'),
  missing: z.strictObject({ after: duration().describe('Silence after which the sensor counts as missing.') }),
  anomaly: z
    .strictObject({
      window: count().optional(),
      min_readings: count().optional(),
      threshold: number().positive().optional(),
      range_margin: number().nonnegative().optional(),
      pattern: z.number().int().nonnegative().optional(),
      pattern_threshold: number().positive().optional(),
      coarse: z.number().int().nonnegative().optional(),
      flat_factor: number().positive().optional(),
      missing_factor: number().positive().optional(),
      memory: count().optional(),
      hold: z.number().int().nonnegative().optional(),
      learn_new_normal_after: duration()
        .optional()
        .describe('A fault still outside the band from before it this long after firing is resolved and taken as the new normal; absent: it fires until it clears or is acknowledged.'),
      // anomaly: { across: [...] } — one detector for a group of sensors (rules/anomaly/group-anomaly.ts).
      across: z
        .array(z.string().min(1))
        .optional()
        .describe('Watch these sensors together (2 to 16): full names (pump/flow) make one group per source, last levels (flow) one group per device. Fires when they stop moving together as learnt.'),
      learn: count().optional().describe(`across: rows in the learning period (default ${GROUP_DEFAULTS.learn}).`),
      variance: number().gt(0).max(1).optional().describe(`across: share of the variance the model's components explain (default ${GROUP_DEFAULTS.variance}).`),
      smoothing: number().gt(0).max(1).optional().describe(`across: EWMA weight of a new row in the smoothed statistics, 1 = none (default ${GROUP_DEFAULTS.smoothing}).`),
      quantile: number().gt(0).max(1).optional().describe(`across: quantile of the held-out statistic the limit is based on (default ${GROUP_DEFAULTS.quantile}; 1 = the largest value).`),
      margin: number().positive().optional().describe(`across: the limit is margin × that quantile (default ${GROUP_DEFAULTS.margin}).`),
      watch: z.enum(['spe', 't2', 'both']).optional().describe(`across: spe (off the learnt relationship), t2 (along it, further out than learnt) or both (default ${GROUP_DEFAULTS.watch}).`),
      stale_after: duration().optional().describe("across: how long a sensor's last value is carried into rows (default 3 of its intervals); older makes the group incomplete."),
      by_tag: z.string().min(1).optional().describe('across: one group per value of this tag (e.g. device) instead of per source or device name; readings without the tag are left out.'),
    })
    .superRefine((spec, context) => {
      const given = (keys: readonly string[]) => keys.filter((key) => (spec as Record<string, unknown>)[key] !== undefined);
      const misplaced = spec.across === undefined ? given(GROUP_KEYS) : given(PER_SENSOR_KEYS);
      for (const key of misplaced) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: spec.across === undefined ? `${key} is an option of a group: add across: [sensor, …]` : `${key} is an option of the per-sensor anomaly detector, not of a group (across)`,
        });
      }
    })
    .nullish()
    .transform((spec) => spec ?? {}),
} as const;

/** Options only a group (`across`) takes, and only the per-sensor `anomaly` takes. */
const GROUP_KEYS = ['learn', 'variance', 'smoothing', 'quantile', 'margin', 'watch', 'stale_after', 'by_tag'] as const;
const PER_SENSOR_KEYS = ['window', 'min_readings', 'threshold', 'range_margin', 'pattern', 'pattern_threshold', 'coarse', 'flat_factor', 'missing_factor', 'memory', 'hold'] as const;

type DetectorName = keyof typeof DETECTORS;
const DETECTOR_NAMES = Object.keys(DETECTORS) as DetectorName[];
export const ALERT_DETECTOR_HELP = DETECTOR_NAMES.join(', ');

const gpioAction = z.strictObject({
  pin: z.number().int().min(0).max(53).describe('BCM GPIO number of the relay, buzzer or lamp.'),
  active_low: z.boolean().default(false).describe('On drives the line low (most relay boards).'),
  max_on: duration().optional().describe('Longest time the output stays on in one go (a pump must not run for ever).'),
  chip_path: z.string().optional().describe('sysfs GPIO directory (default /sys/class/gpio).'),
});

/** `alert:` of a rule: one detector, the lifecycle, what the alert says, and what to switch locally. */
export const alertSchema = z
  .strictObject({
    ...Object.fromEntries(DETECTOR_NAMES.map((name) => [name, DETECTORS[name].optional()])),
    for: duration().prefault('0s').describe('How long the condition must hold before pending becomes firing.'),
    keep_firing_for: duration().prefault('0s').describe('How long a firing alert stays firing after the condition cleared.'),
    cooldown: duration().prefault('0s').describe('After a resolve, no new episode for this long.'),
    flap: z
      .strictObject({ window: duration(), max_firings: z.number().int().min(2) })
      .optional()
      .describe('After max_firings firings within window, hold firing until quiet for a whole window.'),
    severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    message: z.string().optional().describe('Template, e.g. "{{sensor}} at {{value}} °C, above {{threshold}}".'),
    labels: z.record(z.string(), z.string()).optional().describe('Copied into every alert.'),
    gpio: gpioAction.optional().describe('Switch a GPIO output on while the alert fires (works with the uplink down).'),
  } as Record<string, z.ZodType>)
  .superRefine(
    (alert, context) => {
    const given = DETECTOR_NAMES.filter((name) => alert[name] !== undefined);
    if (given.length !== 1) {
      context.addIssue({
        code: 'custom',
        path: given.length > 1 ? [given[1]!] : [],
        message:
          given.length > 1
            ? `one detector per alert, got ${given.join(' and ')}: write a rule for each`
            : `name a detector: ${ALERT_DETECTOR_HELP} (anomaly: {} needs no tuning)`,
      });
      return;
    }
    // The tracker checks what the schema cannot: hysteresis order, message template names.
    try {
      const spec = toAlertSpec(alert);
      if (spec.group) new GroupAlertTracker({ rule: 'check', ...spec, group: spec.group });
      else new AlertTracker({ rule: 'check', ...spec });
    } catch (error) {
      // The library names the part it blames ("threshold: …", "message: …"); the path says that already.
      const message = (error as Error).message;
      const part = /^message: /.test(message) ? 'message' : given[0]!;
      context.addIssue({ code: 'custom', path: [part], message: message.replace(new RegExp(`^${part}: `), '') });
    }
    },
    // Only an alert that is otherwise right: a misspelt detector is reported as that, not also as "no detector".
    { when: (payload) => payload.issues.length === 0 },
  )
  .transform((alert) => toAlertSpec(alert));

/** A rule's `anomaly:` shorthand: `anomaly: {}` is `alert: { anomaly: {} }`. */
export const anomalyShorthand = DETECTORS.anomaly.transform(
  (spec): AlertSpec => toAlertSpec({ anomaly: spec, for: 0, keep_firing_for: 0, cooldown: 0, severity: 'warning' }),
);

function toAlertSpec(alert: Record<string, unknown>): AlertSpec {
  const kind = DETECTOR_NAMES.find((name) => alert[name] !== undefined)!;
  const gpio = alert.gpio as z.output<typeof gpioAction> | undefined;
  // Written with the detector it belongs to, applied by the lifecycle (which knows when the alert went firing).
  const { learn_new_normal_after: learn, ...options } = (alert[kind] ?? {}) as { learn_new_normal_after?: number; across?: string[] };
  // A group keeps its options apart: the per-sensor detector spec stays a plain `anomaly` with its defaults.
  const group = options.across === undefined ? undefined : toGroupSpec(options as Partial<GroupAnomalySpec> & { across: string[] });
  const detector = group ? {} : options;
  return {
    detector: { kind, ...detector } as DetectorSpec,
    ...(group ? { group } : {}),
    lifecycle: {
      for: alert.for as number,
      keep_firing_for: alert.keep_firing_for as number,
      cooldown: alert.cooldown as number,
      ...(alert.flap ? { flap: alert.flap as { window: number; max_firings: number } } : {}),
      ...(learn === undefined ? {} : { learn_new_normal_after: learn }),
    },
    severity: alert.severity as AlertSpec['severity'],
    ...(alert.message === undefined ? {} : { message: alert.message as string }),
    ...(alert.labels === undefined ? {} : { labels: alert.labels as Record<string, string> }),
    ...(gpio === undefined
      ? {}
      : { gpio: { pin: gpio.pin, activeLow: gpio.active_low, ...(gpio.max_on === undefined ? {} : { maxOnMs: gpio.max_on }), ...(gpio.chip_path === undefined ? {} : { chipPath: gpio.chip_path }) } }),
  };
}

function toGroupSpec(options: Partial<GroupAnomalySpec> & { readonly across: readonly string[] }): GroupAnomalySpec {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...GROUP_DEFAULTS, ...defined, across: options.across };
}
