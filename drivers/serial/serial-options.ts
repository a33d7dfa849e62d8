import { z } from 'zod';
import { docsNotes } from '../../rules/option-types.js';
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
      .describe(
        'The device. Prefer `/dev/serial/by-id/usb-…`: it names the device rather than the socket and survives a replug (it is resolved again before every open). `/dev/ttyUSB0`, `/dev/ttyACM0`, `/dev/ttyAMA0` work too.',
      ),
    baud_rate: z.number().int().positive().default(9600).describe('Bits per second.'),
    data_bits: z.literal([5, 6, 7, 8]).default(8).describe('Data bits per character: `5`, `6`, `7` or `8`.'),
    parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).default('none').describe('`none`, `even`, `odd`, `mark` or `space`.'),
    stop_bits: z.literal([1, 1.5, 2]).default(1).describe('`1`, `1.5` or `2`.'),
    delimiter: byteString('delimiter')
      .prefault('\n')
      .describe(
        'Ends a line. Escapes are read in any YAML quoting: `\\r\\n`, `\\r`, `\\t`, `\\0`, `\\\\`, `\\xNN`. A trailing `\\r` and surrounding spaces are trimmed from every line anyway, so `\\n` also reads `\\r\\n` devices.',
      )
      .register(docsNotes, { default: '`\\n`' }),
    max_line_bytes: z.number().int().min(16).max(1_048_576).default(4096).describe('A longer line is dropped and counted as `serial-line-too-long` (once per line); reading resumes after its delimiter.'),
    format: serialFormat.describe('How a line is read: `json`, `csv`, `key_value`, `regex`, `nmea` or `number`, with the options of each (see Formats).'),
    sensor_prefix: z
      .string()
      .optional()
      .describe('Start of every sensor name: `<sensor_prefix>/<field>`; the instance name when absent, `""` for none.')
      .register(docsNotes, { default: 'the instance name' }),
    ignore_fields: z.array(z.string()).default([]).describe('Fields that are never readings (text, ids, status words), so they are not counted as `serial-not-a-number`. For JSON, nested fields are written `outer/inner`.'),
    tags: z.record(z.string(), z.string()).default({}).describe('Tags added to every reading.'),
    timestamps: sourceTimestampOverrides(),
    poll: z
      .strictObject({
        command: byteString('poll.command').describe(
          'Written to the device every `poll.interval`, exactly as given (escapes allowed, e.g. `READ\\r\\n`: add the line ending the device expects). The first command is written as soon as the port is open.',
        ),
        interval: duration().describe('Time between commands.'),
        timeout: duration().prefault('1s').describe('When no line has arrived this long after a command, `serial-poll-timeout` is counted.'),
      })
      .optional()
      .describe('Request/response devices: write a command every interval and read the answer.')
      .register(docsNotes, { keyByKey: true }),
    reconnect: z
      .strictObject({
        initial: duration().prefault('1s').describe('Wait before reopening after an unplug or a failed open.'),
        max: duration().prefault('30s').describe('The wait doubles after each failure up to this; back to `initial` once the port opens.'),
      })
      .prefault({})
      .describe('Retries after an unplug or a failed open.')
      .register(docsNotes, { keyByKey: true }),
  })
  .refine((options) => options.reconnect.max >= options.reconnect.initial, {
    error: 'reconnect.max must not be below reconnect.initial',
    path: ['reconnect', 'max'],
  });

export type SerialSourceOptions = z.output<typeof serialSourceOptions>;
export type SerialFormat = z.output<typeof serialFormat>;
