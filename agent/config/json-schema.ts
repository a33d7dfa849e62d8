import { z } from 'zod';
import { SINK_DRIVERS, SOURCE_DRIVERS } from '../../drivers/registry.js';
import { aggregateItemSchema } from '../../rules/aggregates/aggregate-catalog.js';
import { transformItemSchema } from '../../rules/transforms/registry.js';
import { configSchema, INSTANCE_NAME_HELP } from './config-schema.js';
import { ruleSchema } from './rule-schema.js';

/**
 * The JSON Schema of a whole config file, drivers' options included, for editor autocomplete and docs.
 * It is derived from the same zod schemas that validate configs, so the two cannot drift apart.
 */
export function buildConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(editorConfigSchema(), { io: 'input', unrepresentable: 'any', target: 'draft-7' });
  return { ...schema, $id: 'https://tributary.invalid/tributary.schema.json', title: 'Tributary agent configuration' };
}

/** The zod schema the JSON Schema is made from: the config's, with every driver, step, aggregate and detector spelt out. */
export function editorConfigSchema() {
  const instances = (registry: Record<string, { options: z.ZodType; description: string }>) => {
    const variants = Object.values(registry).map((entry) => entry.options.describe(entry.description));
    const [first, ...rest] = variants;
    // At least one entry, as the config check says (pipeline-sections.ts).
    return z.record(z.string(), rest.length > 0 ? z.union([first!, ...rest]) : first!).describe(INSTANCE_NAME_HELP).meta({ minProperties: 1 });
  };
  // Required: the schema describes what the agent runs (`replay` and `test-rules` also accept rules alone).
  const complete = configSchema.extend({
    sources: instances(SOURCE_DRIVERS).describe('Where readings come from, by name.'),
    sinks: instances(SINK_DRIVERS).describe('Where results go, by name.'),
    rules: editorRules(),
  });
  return complete;
}

export const JSON_SCHEMA_FILE = new URL('../../config/tributary.schema.json', import.meta.url);

/**
 * `rules:` as editors see it: validation takes `transform:` and `aggregates:` items as they come and checks them
 * with the messages of the step or aggregate meant; here each item is spelt out from the registries, so an editor
 * completes and checks every step, aggregate and option.
 */
function editorRules() {
  const section = configSchema.shape.rules.unwrap();
  const fields = ruleSchema.shape;
  const rule = z.strictObject({
    ...fields,
    transform: z.array(transformItemSchema()).optional().describe(fields.transform.description!),
    aggregates: z.array(aggregateItemSchema()).min(1).optional().describe(fields.aggregates.description!),
  });
  return z.record(section.keyType, rule).meta({ minProperties: 1 });
}
