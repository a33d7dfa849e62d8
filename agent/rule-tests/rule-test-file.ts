import { z } from 'zod';
import { duration } from '../../drivers/option-types.js';

const offset = duration().describe('Time from the test start, e.g. 1500ms or 10s.');

const inputSeries = z
  .strictObject({
    source: z.string().optional().describe("Source name (default: the config's only source)."),
    sensor: z.string(),
    tags: z.record(z.string(), z.string()).default({}),
    interval: duration().optional().describe('With values: one reading every interval from the start.'),
    values: z.array(z.number().nullable()).optional().describe('Values at 0, interval, 2×interval …; null leaves a gap.'),
    readings: z
      .array(z.union([z.tuple([duration(), z.number()]), z.tuple([duration(), z.number(), duration()])]))
      .optional()
      .describe('Explicit [offset, value] pairs, e.g. [[0s, 20], [1500ms, 21]]; a third item is when it arrives, for late data.'),
  })
  .superRefine((series, context) => {
    if ((series.values === undefined) === (series.readings === undefined)) {
      context.addIssue({ code: 'custom', path: ['values'], message: 'give either values (with interval) or readings' });
    }
    if (series.values !== undefined && series.interval === undefined) {
      context.addIssue({ code: 'custom', path: ['interval'], message: 'missing required field "interval": values are spaced by it' });
    }
  });

const expectedResult = z.strictObject({
  rule: z.string(),
  source: z.string().optional(),
  sensor: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  start: offset.optional().describe('Window start (window results) or timestamp (reading results), from the test start.'),
  end: offset.optional(),
  values: z.record(z.string(), z.number().nullable()).optional().describe('Aggregates to compare; null means absent.'),
  value: z.number().optional().describe('The value of a reading result.'),
  revision: z.number().int().optional(),
  state: z.enum(['pending', 'firing', 'resolved']).optional().describe('An alert transition into this state.'),
  message: z.string().optional().describe("An alert's rendered message."),
});

export const ruleTestFileSchema = z.strictObject({
  config: z.string().describe('Config file whose rules are tested, relative to this file.'),
  tests: z
    .array(
      z.strictObject({
        name: z.string(),
        start: z.string().default('1970-01-01T00:00:00Z').describe('Wall-clock time of offset 0 (ISO 8601).'),
        input: z.array(inputSeries).min(1),
        until: offset.optional().describe('Where the clock stands at the end; by default past every window.'),
        expect: z.array(expectedResult),
        tick: duration().prefault('1s').describe('How often the clock ticks between readings, as the agent\'s does (default 1s).'),
        exact: z.boolean().default(true).describe('Every result of the rules named in expect must be listed.'),
        tolerance: z.number().nonnegative().default(1e-9).describe('Relative tolerance for comparing numbers.'),
      }),
    )
    .min(1),
});

export type RuleTestFile = z.output<typeof ruleTestFileSchema>;
export type RuleTest = RuleTestFile['tests'][number];
export type ExpectedResult = z.output<typeof expectedResult>;
