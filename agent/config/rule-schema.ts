import { z } from 'zod';
import { duration, nameList } from '../../drivers/option-types.js';
import { ALERT_DETECTOR_HELP, alertSchema, anomalyShorthand } from './alert-schema.js';
import { AggregateError, compileAggregates, type AggregateItem } from '../../rules/aggregates/compile-aggregates.js';
import type { DeriveSpec } from '../../rules/derive/derive-spec.js';
import { compileNumericExpression, ExpressionError } from '../../rules/filter-expression.js';
import { DURATION_PATTERN, parseDuration } from '../../rules/duration.js';
import { compileTransforms, TransformError } from '../../rules/transforms/compile-transforms.js';
import type { GroupBy } from '../../rules/windows/group-index.js';
import type { WindowSpec } from '../../rules/windows/window-spec.js';

const DEFAULT_AGGREGATES: AggregateItem[] = ['count', 'mean', 'min', 'max'];

/** Time windows take durations (`10s`), count windows whole numbers (`100`). */
const sizeLike = z.union([z.string(), z.number()], { error: 'expected a duration such as 10s, or a number of readings' });

const windowSchema = z
  .strictObject({
    type: z
      .enum(['tumbling', 'hopping', 'session', 'count'])
      .default('tumbling')
      .describe('tumbling: back-to-back windows; hopping: overlapping (size + slide); session: ends after a gap; count: every N readings.'),
    size: sizeLike.optional().describe('Length of each window (10s); for count windows, the number of readings.'),
    slide: sizeLike.optional().describe('hopping: how often a window starts (5s); count: every how many readings (default size).'),
    offset: duration().prefault('0s').describe('Shifts window starts from the epoch, e.g. 1h windows starting at :30 with 30m.'),
    gap: duration().optional().describe('session: a session ends after this long without a reading.'),
    max_duration: duration()
      .optional()
      .describe('session: a session is closed once it lasted this long; the next reading starts a new one. Unset: no limit.'),
    time: z
      .enum(['event', 'processing'])
      .default('event')
      .describe("event: readings are filed by their own timestamp; processing: by when they reached the agent."),
    allowed_lateness: duration().prefault('1s').describe('How long after its end a window waits for late readings.'),
    late: z
      .enum(['drop', 'update'])
      .default('drop')
      .describe('A reading for a window already emitted: drop it (counted), or add it and emit the window again.'),
    update_within: duration().prefault('5m').describe('late: update — how long after emission a window can still change.'),
    max_delay: duration()
      .optional()
      .describe('A reading more than this behind the clock is late even if its window is open; twa, integral and rate then keep only newer readings. Unset: no limit.'),
    empty: z.enum(['skip', 'emit']).default('skip').describe('Windows without readings: skip them, or emit count 0.'),
  })
  .superRefine((window, context) => {
    const problem = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
    const isCount = window.type === 'count';
    const checkSize = (key: 'size' | 'slide', value: string | number | undefined) => {
      if (value === undefined) return;
      if (isCount && !(typeof value === 'number' && Number.isInteger(value) && value >= 1)) {
        problem(key, 'a count window is measured in readings: expected a whole number of at least 1');
      } else if (!isCount && (typeof value !== 'string' || !DURATION_PATTERN.test(value) || parseDuration(value)! < 1)) {
        problem(key, 'expected a duration of at least 1ms such as 500ms, 10s, 5m or 1h');
      }
    };
    checkSize('size', window.size);
    checkSize('slide', window.slide);
    if (window.type === 'session') {
      if (window.gap === undefined) problem('gap', 'missing required field "gap": a session window ends after this long without a reading');
      if (window.size !== undefined) problem('size', 'a session window has no size; it ends after "gap"');
      if (window.late === 'update') problem('late', 'session windows cannot be updated once emitted; use late: drop');
    } else if (window.size === undefined) {
      problem('size', 'missing required field "size"');
    }
    if (window.type === 'hopping' && window.slide === undefined) problem('slide', 'missing required field "slide": a hopping window needs to know how often a window starts');
    if (window.type === 'tumbling' && window.slide !== undefined) problem('slide', 'a tumbling window slides by its size; use type: hopping for overlapping windows');
    if (window.type !== 'session' && window.gap !== undefined) problem('gap', 'only session windows have a gap');
    if (window.max_duration !== undefined) {
      if (window.type !== 'session') problem('max_duration', 'only session windows have a max_duration; a time window lasts its size');
      else if (window.gap !== undefined && !(window.max_duration > window.gap)) {
        problem('max_duration', 'must be longer than gap: a session already ends after gap without readings');
      }
    }
    if (window.max_delay !== undefined) {
      if (isCount) problem('max_delay', 'count windows go by arrival, not time: no reading is late');
      else if (window.max_delay < window.allowed_lateness) {
        problem('max_delay', 'must be at least allowed_lateness, or readings are dropped while their window still waits for them');
      }
    }
  })
  .transform((window): WindowSpec => {
    const timing = {
      time: window.time,
      allowedLatenessMs: window.allowed_lateness,
      late: window.late,
      updateWithinMs: window.update_within,
      empty: window.empty,
      ...(window.max_delay === undefined ? {} : { maxDelayMs: window.max_delay }),
    };
    if (window.type === 'session') {
      const maxDuration = window.max_duration === undefined ? {} : { maxDurationMs: window.max_duration };
      return { type: 'session', gapMs: window.gap!, ...maxDuration, ...timing };
    }
    if (window.type === 'count') {
      const size = window.size as number;
      return { type: 'count', size, slide: (window.slide as number | undefined) ?? size, ...timing };
    }
    const sizeMs = parseDuration(window.size as string)!;
    const slideMs = window.slide === undefined ? sizeMs : parseDuration(window.slide as string)!;
    return { type: window.type, sizeMs, slideMs, offsetMs: window.offset, ...timing };
  });

const groupBySchema = z
  .array(z.string().regex(/^(source|sensor|tags\.[A-Za-z0-9_.-]+)$/, 'group by source, sensor or tags.<name>'))
  .min(1)
  .transform((fields): GroupBy => ({
    source: fields.includes('source'),
    sensor: fields.includes('sensor'),
    tags: fields.filter((field) => field.startsWith('tags.')).map((field) => field.slice(5)),
  }));

const deriveSchema = z
  .strictObject({
    inputs: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is a word: letters, digits and _'), z.string())
      .refine((inputs) => Object.keys(inputs).length >= 1, 'name at least one input')
      .describe('Variable → last level of the sensor name, e.g. { t: temperature, rh: humidity }.'),
    expression: z.string().describe('Formula using the variables, e.g. "t - (100 - rh) / 5".'),
    tolerance: duration().prefault('5s').describe('Readings further apart than this are not combined.'),
    output: z.string().regex(/^[^/+#]+$/, 'a single name level without / + or #').describe('Name of the derived sensor under the device.'),
  })
  .superRefine((derive, context) => {
    try {
      compileNumericExpression(derive.expression, Object.keys(derive.inputs));
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      const at = error.index === undefined ? '' : ` at character ${error.index + 1}`;
      context.addIssue({ code: 'custom', path: ['expression'], message: `invalid expression${at}: ${error.message}` });
    }
  })
  .transform((derive): DeriveSpec => ({ inputs: derive.inputs, expression: derive.expression, toleranceMs: derive.tolerance, output: derive.output }));

export const ruleSchema = z
  .strictObject({
    from: nameList()
      .optional()
      .describe('Readings of these sources, or results of these rules (see Chaining), e.g. `from: [greenhouse, cellar]`; all sources when absent.'),
    select: nameList()
      .optional()
      .describe(
        'Sensor names matching any glob, e.g. `select: greenhouse/*/temperature`: `*` within one level, `**` across levels, `?` one character; all sensors when absent.',
      ),
    tags: z
      .record(z.string(), z.union([z.string(), z.array(z.string())]))
      .optional()
      .describe('Only readings whose tag has the value, one of the values, or (`*`) any value, e.g. `tags: { room: north, zone: [a, b], device: "*" }`.'),
    where: z.string().optional().describe('Filter expression, e.g. "value > -40 and value < 125"; may use prev.'),
    transform: z
      .array(z.record(z.string(), z.unknown()))
      .optional()
      .describe('Steps applied in order: multiply, offset, calibrate_linear, convert, clamp, delta, throttle, median …'),
    derive: deriveSchema.optional().describe('Compute a new reading from several sensors of one device.'),
    window: windowSchema.optional().describe('Group readings into windows and aggregate them; without it readings pass through.'),
    group_by: groupBySchema.optional().describe('What a window result is per: source, sensor and/or tags.<name> (default source, sensor).'),
    aggregates: z
      .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
      .min(1)
      .optional()
      .describe('Aggregates per window, e.g. [count, mean, p95, { integral: { unit: h } }] (default count, mean, min, max).'),
    alert: alertSchema
      .optional()
      .describe(`Watch each sensor with a detector (${ALERT_DETECTOR_HELP}) and emit alert transitions.`),
    anomaly: anomalyShorthand.optional().describe('Shorthand for alert: { anomaly: … }: alerts on whatever is unusual for each sensor, no tuning.'),
    field: z.string().optional().describe("When reading another rule's windows: which aggregate becomes the value (default mean)."),
    to: nameList().optional().describe('Sink name(s) to forward results to; all sinks when absent, none with [].'),
  })
  .superRefine((rule, context) => {
    if (rule.transform) {
      try {
        compileTransforms(rule.transform);
      } catch (error) {
        if (!(error instanceof TransformError)) throw error;
        context.addIssue({ code: 'custom', path: ['transform', error.index], message: error.message });
      }
    }
    if (rule.aggregates) {
      if (!rule.window) context.addIssue({ code: 'custom', path: ['aggregates'], message: 'aggregates need a window: add window: { size: 10s }' });
      try {
        compileAggregates(rule.aggregates);
      } catch (error) {
        if (!(error instanceof AggregateError)) throw error;
        context.addIssue({ code: 'custom', path: error.index === undefined ? ['aggregates'] : ['aggregates', error.index], message: error.message });
      }
    }
    if (rule.group_by && !rule.window) context.addIssue({ code: 'custom', path: ['group_by'], message: 'group_by needs a window' });
    if (rule.alert && rule.anomaly) context.addIssue({ code: 'custom', path: ['anomaly'], message: 'give alert or anomaly, not both: anomaly: {} is short for alert: { anomaly: {} }' });
    const alertKey = rule.alert ? 'alert' : rule.anomaly ? 'anomaly' : undefined;
    if (alertKey && rule.window) {
      context.addIssue({
        code: 'custom',
        path: [alertKey],
        message: `a rule alerts on readings or aggregates them, not both: to alert on window results, add a rule with from: <this rule> and the ${alertKey} there`,
      });
    }
  });

export type RuleConfigInput = z.output<typeof ruleSchema>;
export { DEFAULT_AGGREGATES };
