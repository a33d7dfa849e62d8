import type { FormatParser } from './line-result.js';
import { numericFields } from './number-line.js';

export interface CsvOptions {
  /** The first line after opening names the columns. */
  readonly header: boolean;
  /** Fixed column names when there is no header; null skips a column. */
  readonly columns?: readonly (string | null)[] | undefined;
  readonly separator: string;
}

/**
 * `csv` format: fields split at the separator (no quoting: devices print numbers). With `header`, the first line
 * after each (re)open names the columns, and the same line seen again (the device restarted) is skipped.
 */
export function csvParser(options: CsvOptions, ignore: ReadonlySet<string>): FormatParser {
  let header: readonly (string | null)[] | undefined = options.columns;
  let headerLine: string | undefined;
  return {
    parse(line) {
      const cells = line.split(options.separator).map((cell) => cell.trim());
      if (options.header && (header === undefined || line === headerLine)) {
        if (cells.some((cell) => cell === '')) {
          return { values: [], problem: { kind: 'serial-bad-csv', message: 'header line has an empty column name' } };
        }
        header = cells;
        headerLine = line;
        return { values: [] };
      }
      const columns = header!;
      if (cells.length !== columns.length) {
        return { values: [], problem: { kind: 'serial-bad-csv', message: `expected ${columns.length} fields, got ${cells.length}` } };
      }
      const pairs: [string, string][] = [];
      columns.forEach((column, index) => {
        if (column !== null) pairs.push([column, cells[index]!]);
      });
      return numericFields(pairs, ignore);
    },
    reset() {
      if (options.header) {
        header = undefined;
        headerLine = undefined;
      }
    },
  };
}
