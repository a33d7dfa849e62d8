import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildConfigJsonSchema, JSON_SCHEMA_FILE } from './json-schema.js';

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
