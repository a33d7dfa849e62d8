import type { FormatParser } from './line-result.js';
import { numericFields } from './number-line.js';

/** `regex` format: every named group that matched is a field; a line that does not match is bad input. */
export function regexParser(pattern: string, caseInsensitive: boolean, ignore: ReadonlySet<string>): FormatParser {
  const regex = new RegExp(pattern, caseInsensitive ? 'iu' : 'u');
  return {
    parse(line) {
      const match = regex.exec(line);
      if (match === null) return { values: [], problem: { kind: 'serial-no-match', message: 'line does not match the pattern' } };
      const groups = Object.entries(match.groups ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined);
      return numericFields(groups, ignore);
    },
  };
}
