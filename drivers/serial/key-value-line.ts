import type { FormatParser, LineResult } from './line-result.js';
import { numericFields } from './number-line.js';

export interface KeyValueOptions {
  /** Between pairs; undefined: any run of spaces, tabs, commas or semicolons. */
  readonly pair_separator?: string | undefined;
  readonly key_value_separator: string;
}

const DEFAULT_PAIR_SEPARATOR = /[\s,;]+/;

/** `key_value` format: `temp=21.5 hum=40`; each key is a field. A piece without the separator is bad input. */
export function keyValueParser(options: KeyValueOptions, ignore: ReadonlySet<string>): FormatParser {
  return {
    parse(line) {
      const pieces = line.split(options.pair_separator ?? DEFAULT_PAIR_SEPARATOR).filter((piece) => piece.trim() !== '');
      const pairs: [string, string][] = [];
      let malformed = 0;
      for (const piece of pieces) {
        const at = piece.indexOf(options.key_value_separator);
        const key = at === -1 ? '' : piece.slice(0, at).trim();
        if (key === '') {
          malformed++;
          continue;
        }
        pairs.push([key, piece.slice(at + options.key_value_separator.length)]);
      }
      const result = numericFields(pairs, ignore);
      if (malformed === 0) return result;
      const problem = {
        kind: 'serial-bad-key-value',
        message: `${malformed} of ${pieces.length} pieces are not key${options.key_value_separator}value`,
      };
      return { values: result.values, problem } satisfies LineResult;
    },
  };
}
