import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DOC_FILES, renderFile, REPO } from './doc-tables.js';

// `npm run docs`: rewrites the generated tables of the READMEs from the code (a test checks they are current).
for (const file of DOC_FILES) {
  const target = path.join(REPO, file);
  const before = readFileSync(target, 'utf8');
  const after = renderFile(file, before);
  if (after !== before) {
    writeFileSync(target, after);
    process.stdout.write(`wrote ${file}\n`);
  }
}
