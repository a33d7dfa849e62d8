import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGGREGATES } from '../../rules/aggregates/aggregate-catalog.js';
import { DETECTORS } from '../../rules/anomaly/detectors.js';
import { TRANSFORM_NAMES } from '../../rules/transforms/registry.js';
import { buildConfigJsonSchema, editorConfigSchema, JSON_SCHEMA_FILE } from './json-schema.js';
import { checkConfigText } from './load-config.js';

describe('the JSON Schema for editors', () => {
  it('is current: config/tributary.schema.json matches the validating schemas (run `npm run schema` after changing an option)', () => {
    const committed = JSON.parse(readFileSync(JSON_SCHEMA_FILE, 'utf8')) as unknown;
    expect(committed).toEqual(buildConfigJsonSchema());
  });

  it('describes every driver and its options', () => {
    const text = JSON.stringify(buildConfigJsonSchema());
    for (const driver of ['simulator', 'system', 'mqtt', 'console']) expect(text).toContain(`"const":"${driver}"`);
    expect(text).toContain('"topics"');
    expect(text).toContain('"pattern"');
  });
});

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  enum?: string[];
  pattern?: string;
}

/** The schema of one rule, as an editor gets it. */
function ruleJsonSchema(): JsonSchema {
  const schema = buildConfigJsonSchema() as JsonSchema;
  return schema.properties!['rules']!.additionalProperties as JsonSchema;
}

/** The branches of an item schema, nested unions flattened. */
function branches(schema: JsonSchema): JsonSchema[] {
  return schema.anyOf ? schema.anyOf.flatMap(branches) : [schema];
}

const CONFIG = (rule: string) => `sources:\n  sim:\n    driver: simulator\nsinks:\n  out:\n    driver: console\nrules:\n  smooth:\n${rule}`;

describe('editor completion from the registries', () => {
  it('offers every transform step with its own options, and rejects a misspelt option', () => {
    const steps = branches(ruleJsonSchema().properties!['transform']!.items!).filter((branch) => branch.properties);
    expect(steps.map((step) => Object.keys(step.properties!)[0])).toEqual(TRANSFORM_NAMES);
    const median = steps.find((step) => step.properties!['median'])!.properties!['median']!;
    const options = branches(median).find((branch) => branch.properties)!;
    // An editor completes these names and flags any other key.
    expect(Object.keys(options.properties!)).toEqual(['window_size', 'send_every', 'send_first_at']);
    expect(options.additionalProperties).toBe(false);

    // The zod schema it is made from says the same of a misspelt option …
    const editor = editorConfigSchema().safeParse({
      sources: { sim: { driver: 'simulator' } },
      sinks: { out: { driver: 'console' } },
      rules: { smooth: { transform: [{ median: { window_sise: 5 } }] } },
    });
    expect(editor.success).toBe(false);
    // … and validation names the option meant and the ones there are.
    const check = checkConfigText(CONFIG('    transform:\n      - median: { window_sise: 5 }\n'), 'smooth.yaml');
    expect(check.ok).toBe(false);
    const problems = check.ok ? [] : check.problems.map((problem) => problem.message);
    expect(problems.join('\n')).toContain('unknown option "window_sise" (did you mean "window_size"?); allowed: window_size, send_every, send_first_at');
  });

  it('offers every aggregate, plain or with its options', () => {
    const items = branches(ruleJsonSchema().properties!['aggregates']!.items!);
    const names = items.flatMap((item) => item.enum ?? []);
    const withOptions = items.flatMap((item) => Object.keys(item.properties ?? {}));
    for (const aggregate of AGGREGATES) expect([...names, ...withOptions]).toContain(aggregate.name);
    expect(items.some((item) => item.pattern && new RegExp(item.pattern).test('p99.9'))).toBe(true);
    const histogram = items.find((item) => item.properties?.['histogram'])!.properties!['histogram']!;
    expect(Object.keys(histogram.properties!)).toEqual(['buckets']);
    expect(histogram.additionalProperties).toBe(false);
  });

  it('offers every detector with its options', () => {
    const alert = branches(ruleJsonSchema().properties!['alert']!).find((branch) => branch.properties)!;
    for (const detector of DETECTORS) {
      const options = branches(alert.properties![detector.name]!).find((branch) => branch.properties);
      expect(options, detector.name).toBeDefined();
      expect(options!.additionalProperties, detector.name).toBe(false);
    }
    expect(Object.keys(branches(alert.properties!['threshold']!)[0]!.properties!)).toEqual(['above', 'clear_below', 'below', 'clear_above']);
  });
});
