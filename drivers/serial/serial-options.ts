import { z } from 'zod';
import { duration } from '../option-types.js';
import { sourceTimestampOverrides } from '../timestamp-options.js';
import { unescapeBytes } from './escapes.js';

/** A byte string with escapes (`\r\n`, `\x03`), checked here so `tributary validate` reports a bad escape. */
function byteString(what: string) {
  return z
    .string()
    .min(1, { error: `${what} must not be empty` })
    .superRefine((text, check) => {
      try {
        unescapeBytes(text);
      } catch (error) {
        check.addIssue({ code: 'custom', message: `${what}: ${(error as Error).message}` });
      }
    })
    .transform((text) => unescapeBytes(text));
}

const fieldName = z.string().min(1).regex(/^[^\s/]+$/, { error: 'a field name holds no spaces and no "/"' });

const jsonFormat = z.strictObject({
  type: z.literal('json'),
  timestamp_field: z
    .string()
    .optional()
    .describe('Field holding the time of measurement (ms or s since the epoch, or ISO 8601); arrival time otherwise.'),
});

const csvFormat = z
  .strictObject({
    type: z.literal('csv'),
    header: z.boolean().default(false).describe('The device prints a header line with the column names (first line after opening).'),
    columns: z
      .array(z.union([fieldName, z.null()]))
      .min(1)
      .optional()
      .describe('Column names in order, when the device prints no header; null skips a column.'),
    separator: z.string().min(1).default(',').describe('Between the fields of a line (default ",").'),
  })
  .refine((format) => format.header !== (format.columns !== undefined), {
    error: 'csv needs either header: true or a columns list (not both)',
  });

const keyValueFormat = z.strictObject({
  type: z.literal('key_value'),
  pair_separator: z
    .string()
    .min(1)
    .optional()
    .describe('Between pairs; default: any run of spaces, tabs, commas or semicolons.'),
  key_value_separator: z.string().min(1).default('=').describe('Between a key and its value (default "=").'),
});

/**
 * Why V8 refused a pattern, without its own preamble: it says `Invalid regular expression: /(?<t>[/u: Unterminated
 * character class`, and our message names the pattern already.
 */
function regexReason(error: Error): string {
  const reason = error.message.slice(error.message.lastIndexOf(': ') + 2);
  return reason.charAt(0).toLowerCase() + reason.slice(1);
}

const regexFormat = z.strictObject({
  type: z.literal('regex'),
  pattern: z
    .string()
    .min(1)
    .superRefine((pattern, check) => {
      let compiled: RegExp;
      try {
        compiled = new RegExp(pattern, 'u');
      } catch (error) {
        check.addIssue({ code: 'custom', message: `invalid regular expression "${pattern}": ${regexReason(error as Error)}` });
        return;
      }
      if (!/\(\?<[A-Za-z_$][\w$]*>/.test(compiled.source)) {
        check.addIssue({ code: 'custom', message: 'the pattern has no named group; write (?<temperature>[-\\d.]+) for each value' });
      }
    })
    .describe('Regular expression with a named group per value, e.g. "T=(?<temperature>[-\\d.]+)".'),
  case_insensitive: z.boolean().default(false),
});

const nmeaFormat = z.strictObject({
  type: z.literal('nmea'),
  sentences: z
    .array(z.enum(['GGA', 'RMC', 'VTG']))
    .min(1)
    .default(['GGA', 'RMC', 'VTG'])
    .describe('Sentence types read; others (GSV, GSA …) are skipped.'),
  require_checksum: z.boolean().default(true).describe('Reject sentences without a *hh checksum.'),
  gps_time: z
    .boolean()
    .default(true)
    .describe(
      "Stamp the readings of a valid fix (RMC, GGA) with the receiver's UTC time, checked against the local clock as timestamps: says; false: the arrival time.",
    ),
});

const numberFormat = z.strictObject({
  type: z.literal('number'),
  sensor: fieldName.default('value').describe('Field name of the reading: the sensor is <sensor_prefix>/<sensor>.'),
});

export const serialFormat = z.discriminatedUnion('type', [jsonFormat, csvFormat, keyValueFormat, regexFormat, nmeaFormat, numberFormat]);

export const serialSourceOptions = z
  .strictObject({
    driver: z.literal('serial'),
    path: z
      .string()
      .min(1)
      .describe('Device: /dev/serial/by-id/usb-… (stays the same across replugs) or /dev/ttyUSB0, /dev/ttyACM0, /dev/ttyAMA0.'),
    baud_rate: z.number().int().positive().default(9600),
    data_bits: z.literal([5, 6, 7, 8]).default(8),
    parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none'),
    stop_bits: z.literal([1, 1.5, 2]).default(1),
    delimiter: byteString('delimiter')
      .prefault('\n')
      .describe('Ends a line; escapes allowed: "\\r\\n", "\\r", "\\x03" (default "\\n"). A trailing \\r is trimmed anyway.'),
    max_line_bytes: z.number().int().min(16).max(1_048_576).default(4096).describe('Longer lines are dropped and counted.'),
    format: serialFormat.describe('How a line is read: json, csv, key_value, regex, nmea or number.'),
    sensor_prefix: z.string().optional().describe('Sensor names are <sensor_prefix>/<field>; default the source name. "" for none.'),
    ignore_fields: z.array(z.string()).default([]).describe('Fields that are never readings (text columns, ids).'),
    tags: z.record(z.string(), z.string()).default({}).describe('Tags added to every reading.'),
    timestamps: sourceTimestampOverrides(),
    poll: z
      .strictObject({
        command: byteString('poll.command').describe('Written to the device every interval; escapes allowed, e.g. "READ\\r\\n".'),
        interval: duration().describe('Time between commands.'),
        timeout: duration().prefault('1s').describe('An answer not started within this is counted as serial-poll-timeout.'),
      })
      .optional()
      .describe('Request/response devices: write a command every interval and read the answer.'),
    reconnect: z
      .strictObject({
        initial: duration().prefault('1s').describe('First wait after the device is gone or fails to open.'),
        max: duration().prefault('30s').describe('The wait doubles after each failure up to this.'),
      })
      .prefault({})
      .describe('Retries after an unplug or a failed open.'),
  })
  .refine((options) => options.reconnect.max >= options.reconnect.initial, {
    error: 'reconnect.max must not be below reconnect.initial',
    path: ['reconnect', 'max'],
  });

export type SerialSourceOptions = z.output<typeof serialSourceOptions>;
export type SerialFormat = z.output<typeof serialFormat>;
