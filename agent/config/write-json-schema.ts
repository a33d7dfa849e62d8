import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildConfigJsonSchema, JSON_SCHEMA_FILE } from './json-schema.js';

// `npm run schema`: regenerates config/tributary.schema.json after an option changed (a test checks it is current).
writeFileSync(JSON_SCHEMA_FILE, `${JSON.stringify(buildConfigJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${fileURLToPath(JSON_SCHEMA_FILE)}\n`);
