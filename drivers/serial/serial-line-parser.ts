import type { Reading, Tags } from '../../rules/reading.js';
import { csvParser } from './csv-line.js';
import { jsonParser } from './json-line.js';
import { keyValueParser } from './key-value-line.js';
import type { FormatParser, LineProblem } from './line-result.js';
import { nmeaParser } from './nmea-sentence.js';
import { numberParser } from './number-line.js';
import { regexParser } from './regex-line.js';
import type { SerialFormat } from './serial-options.js';

export interface SerialLineParserOptions {
  readonly format: SerialFormat;
  readonly source: string;
  /** Sensor names are `<sensorPrefix>/<field>`, or just `<field>` when it is empty. */
  readonly sensorPrefix: string;
  readonly ignoreFields: readonly string[];
  readonly tags: Tags;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
// Control characters other than tab: what a wrong baud rate, a half-open port or line noise produces.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * Turns one framed line into readings: checks that it is text (not binary noise), trims it, hands it to the
 * configured format, and names each value. Never throws on input and never emits NaN or Infinity; what it
 * rejects comes back as a problem for the bad-input counters.
 */
export class SerialLineParser {
  private readonly format: FormatParser;
  private readonly prefix: string;
  private readonly sensorNames = new Map<string, string>();

  constructor(private readonly options: SerialLineParserOptions) {
    this.format = createFormatParser(options.format, new Set(options.ignoreFields));
    this.prefix = options.sensorPrefix === '' ? '' : `${options.sensorPrefix}/`;
  }

  /** Appends the line's readings to `out`; returns what was wrong with it, if anything. */
  parse(bytes: Buffer, now: number, out: Reading[]): LineProblem | undefined {
    let text: string;
    try {
      text = fatalUtf8.decode(bytes);
    } catch {
      return { kind: 'serial-binary', message: 'line is not UTF-8 text (wrong baud rate, parity or line noise?)' };
    }
    text = text.trim();
    if (text === '') return undefined;
    if (CONTROL.test(text)) {
      return { kind: 'serial-binary', message: 'line holds control characters (wrong baud rate, parity or line noise?)' };
    }
    let result;
    try {
      result = this.format.parse(text, now);
    } catch (error) {
      // A parser bug must not stop the port; it is reported like bad input, with its cause.
      return { kind: 'serial-parse-error', message: `parser failed: ${(error as Error).message}` };
    }
    const timestamp = result.timestamp ?? now;
    for (const { field, value } of result.values) {
      if (!Number.isFinite(value)) continue;
      out.push({ source: this.options.source, sensor: this.sensorName(field), value, timestamp, tags: this.options.tags });
    }
    return result.problem;
  }

  /** Forgets state learnt from the device (a CSV header) when the port is reopened. */
  reset(): void {
    this.format.reset?.();
  }

  private sensorName(field: string): string {
    let name = this.sensorNames.get(field);
    if (name === undefined) {
      name = this.prefix + field;
      // Bounded: a device printing ever-new keys must not grow this without end.
      if (this.sensorNames.size < 1024) this.sensorNames.set(field, name);
    }
    return name;
  }
}

function createFormatParser(format: SerialFormat, ignore: ReadonlySet<string>): FormatParser {
  switch (format.type) {
    case 'json':
      return jsonParser(format.timestamp_field, ignore);
    case 'csv':
      return csvParser(format, ignore);
    case 'key_value':
      return keyValueParser(format, ignore);
    case 'regex':
      return regexParser(format.pattern, format.case_insensitive, ignore);
    case 'nmea':
      return nmeaParser(format);
    case 'number':
      return numberParser(format.sensor);
  }
}
