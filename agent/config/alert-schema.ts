import { z } from 'zod';
import { duration } from '../../drivers/option-types.js';
import { docsNotes } from '../../rules/option-types.js';
import { AlertTracker } from '../../rules/anomaly/alert-tracker.js';
import { GroupAlertTracker } from '../../rules/anomaly/group-alert-tracker.js';
import { GROUP_DEFAULTS, type GroupAnomalySpec } from '../../rules/anomaly/group-anomaly.js';
import type { DetectorSpec } from '../../rules/anomaly/detector-spec.js';
import { DETECTOR_NAMES, DETECTORS, type DetectorName } from '../../rules/anomaly/detectors.js';
import type { AlertSpec } from '../../rules/rule-spec.js';

/** Each detector's options, as written under `alert:`; from the registry, where each detector is defined. */
const DETECTOR_SCHEMAS: Readonly<Record<DetectorName, z.ZodType>> = Object.fromEntries(DETECTORS.map((detector) => [detector.name, detector.schema])) as Record<
  DetectorName,
  z.ZodType
>;
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
    ...Object.fromEntries(DETECTOR_NAMES.map((name) => [name, DETECTOR_SCHEMAS[name].optional()])),
    for: duration()
      .prefault('0s')
      .describe('The condition must hold this long before pending becomes firing; 0 fires at once (inactive → firing). A condition that clears first gives pending → resolved.'),
    keep_firing_for: duration()
      .prefault('0s')
      .describe("A firing alert stays firing until the condition has been clear this long (Prometheus' `keep_firing_for`)."),
    cooldown: duration().prefault('0s').describe('After a resolve, the condition cannot start a new episode for this long.'),
    flap: z
      .strictObject({ window: duration(), max_firings: z.number().int().min(2) })
      .optional()
      .describe(
        '`{ window: 1h, max_firings: 4 }`: after `max_firings` firings within `window`, the alert is held firing until the condition has been quiet for a whole `window` (one alert instead of a storm).',
      )
      .register(docsNotes, { default: 'off' }),
    severity: z.enum(['info', 'warning', 'critical']).default('warning').describe('`info`, `warning` or `critical`; copied into every `AlertResult`.'),
    message: z
      .string()
      .optional()
      .describe(
        'Template, e.g. `"{{sensor}} at {{value}} °C, above {{threshold}}"`. Resolved alerts use `"{{sensor}} back to normal: {{value}}"` unless `message` is given.',
      )
      .register(docsNotes, { default: 'per detector' }),
    labels: z.record(z.string(), z.string()).optional().describe('Extra labels copied into every `AlertResult`.'),
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
export const anomalyShorthand = DETECTOR_SCHEMAS.anomaly.transform(
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
