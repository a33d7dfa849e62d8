import { z } from 'zod';
import { SINK_DRIVERS, SOURCE_DRIVERS } from '../../drivers/registry.js';
import { configSchema, INSTANCE_NAME_HELP } from './config-schema.js';

/**
 * The JSON Schema of a whole config file, drivers' options included, for editor autocomplete and docs.
 * It is derived from the same zod schemas that validate configs, so the two cannot drift apart.
 */
export function buildConfigJsonSchema(): Record<string, unknown> {
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
    rules: configSchema.shape.rules.unwrap(),
  });
  const schema = z.toJSONSchema(complete, { io: 'input', unrepresentable: 'any', target: 'draft-7' });
  return { ...schema, $id: 'https://tributary.invalid/tributary.schema.json', title: 'Tributary agent configuration' };
}

export const JSON_SCHEMA_FILE = new URL('../../config/tributary.schema.json', import.meta.url);
