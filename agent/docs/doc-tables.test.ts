import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DOC_FILES, renderFile, REPO } from './doc-tables.js';
import { optionTable } from './option-table.js';

describe('the generated option tables of the docs', () => {
  it.each(DOC_FILES)('%s is current (run `npm run docs` after changing an option or its .describe() text)', (file) => {
    const committed = readFileSync(path.join(REPO, file), 'utf8');
    expect(renderFile(file, committed)).toBe(committed);
  });

  it('says each option, its default and its text, and lists the keys of a section one by one', () => {
    const schema = z.strictObject({
      interval: z.string().default('10s').describe('How often.'),
      mode: z.enum(['a', 'b']).default('a'),
      http: z.strictObject({ listen: z.string().optional().describe('Where | how.') }).prefault({}),
    });
    expect(optionTable(schema)).toBe(
      [
        '| Option | Default | Meaning |',
        '| --- | --- | --- |',
        '| `interval` | `10s` | How often. |',
        '| `mode` | `a` | `a`, `b` |',
        '| `http.listen` | — | Where \\| how. |',
      ].join('\n'),
    );
  });
});
