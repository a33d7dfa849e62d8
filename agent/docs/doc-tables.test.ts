import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DOC_FILES, renderFile, REPO } from './doc-tables.js';
import { fieldOf, optionTable } from './option-table.js';

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

  it('lists the options of a union chosen by one key once each, with the choices they apply to and each choice\'s default', () => {
    const pin = z.discriminatedUnion('mode', [
      z.strictObject({ mode: z.literal('state').describe('`state`: on or off.'), edge: z.string().default('both').describe('Which edge.') }),
      z.strictObject({
        mode: z.literal('counter').describe('`counter`: pulses.'),
        edge: z.string().default('rising').describe('Which edge.'),
        unit: z.number().default(1).describe('Per pulse.'),
      }),
    ]);
    expect(optionTable(fieldOf(z.strictObject({ pins: z.array(pin) }), 'pins'))).toBe(
      [
        '| Option | `mode` | Default | Meaning |',
        '| --- | --- | --- | --- |',
        '| `mode` | all | — | `state`: on or off. `counter`: pulses. |',
        '| `edge` | all | `both` (state), `rising` (counter) | Which edge. |',
        '| `unit` | `counter` | `1` | Per pulse. |',
      ].join('\n'),
    );
  });

  it('lists only the options asked for', () => {
    const schema = z.strictObject({ url: z.string().describe('Where.'), qos: z.number().default(1).describe('How sure.') });
    expect(optionTable(schema, undefined, { omit: ['url'] })).toBe(['| Option | Default | Meaning |', '| --- | --- | --- |', '| `qos` | `1` | How sure. |'].join('\n'));
    expect(optionTable(schema, undefined, { only: ['url'] })).toBe(['| Option | Default | Meaning |', '| --- | --- | --- |', '| `url` | — | Where. |'].join('\n'));
  });
});
