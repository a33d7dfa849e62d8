import { z } from 'zod';
import { duration } from '../../drivers/option-types.js';
import { DURATION_PATTERN, parseDuration } from '../../rules/duration.js';
import { sourceTimestampDefaults } from '../../drivers/timestamp-options.js';
import { DEFAULT_LISTEN, parseListenAddress } from '../health/listen-address.js';
import { isLoopbackHost } from '../health/http-access.js';
import { ruleSchema } from './rule-schema.js';
import { emptySectionMessage, type PipelineSection } from './pipeline-sections.js';

/** Names of sources, sinks and rules end up in topics and log lines, so they stay plain. */
const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const INSTANCE_NAME_HELP = 'names may hold letters, digits, "_", "-" and "." and start with a letter or digit';

/** `host:port`, with an IPv6 host in brackets (`[::1]:9108`). */
const LISTEN_ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

const httpSection = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve the live page (/), /healthz, /metrics and /tail (used by `tributary status` and `tail`).'),
    listen: z
      .string()
      .regex(LISTEN_ADDRESS, { error: 'expected host:port, e.g. 127.0.0.1:9108 or [::1]:9108' })
      .refine((address) => Number(address.slice(address.lastIndexOf(':') + 1)) <= 65_535, { error: 'the port must be 65535 or lower' })
      .default(DEFAULT_LISTEN)
      .describe('Address of the health server and live page; loopback only by default. Any other address needs token or basic_auth.'),
    token: z
      .string()
      .min(16, { error: 'use a token of at least 16 characters (e.g. openssl rand -hex 16), from the environment: ${NAME}' })
      .optional()
      .describe('Bearer token every request for data must carry (Authorization: Bearer …, or ?access_token=… from the live page); use ${NAME}.'),
    basic_auth: z
      .strictObject({
        username: z.string().min(1),
        password: z.string().min(8, { error: 'use a password of at least 8 characters, from the environment: ${NAME}' }),
      })
      .optional()
      .describe('User and password a browser asks for (HTTP basic auth); use ${NAME} for the password.'),
  })
  .superRefine((http, context) => {
    // The server shows every reading and can acknowledge alerts: beyond this machine it needs credentials.
    if (http.enabled && LISTEN_ADDRESS.test(http.listen) && !isLoopbackHost(parseListenAddress(http.listen).host) && !http.token && !http.basic_auth) {
      context.addIssue({
        code: 'custom',
        path: ['listen'],
        message: `${http.listen} is reachable from other machines: set agent.http.token or agent.http.basic_auth (secrets from the environment: \${NAME}), or listen on 127.0.0.1`,
      });
    }
  })
  .prefault({});

const FORGET_HELP = 'expected a duration such as 24h or 30m, or never';

/** How long a sensor may be silent before the rules forget it: a duration, or `never` (also `0s`), parsed to ms (0: never). */
function forgetAfter() {
  return z
    .union([z.literal('never'), z.string().regex(DURATION_PATTERN, { error: FORGET_HELP })], { error: FORGET_HELP })
    .transform((text) => (text === 'never' ? 0 : parseDuration(text)!));
}

const agentSection = z
  .strictObject({
    data_dir: z
      .string()
      .default('./data')
      .describe('Directory of the SQLite buffer; relative paths are relative to the working directory.'),
    log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
    log_format: z
      .enum(['auto', 'pretty', 'json'])
      .default('auto')
      .describe('auto: readable on a terminal, JSON lines otherwise (e.g. under systemd).'),
    tick: duration().prefault('250ms').describe('How often the engine is moved forward in time to close windows.'),
    watch_config: z
      .boolean()
      .default(true)
      .describe('Reload the rules when this file changes, as on SIGHUP; sources, sinks and other sections need a restart.'),
    http: httpSection,
    self_metrics: duration()
      .prefault('0s')
      .describe(
        "Every this often the agent's own metrics (backlog, send lag, bad input, memory …) become readings of rule _agent, sent to every sink, for the Grafana agent dashboard; 0s: off.",
      ),
    forget_silent_sensors: forgetAfter()
      .prefault('24h')
      .describe(
        'The rules forget what they keep of a sensor (transform state, prev, an unfinished count window, a resolved alert) once it had no reading for this long, so memory stays bounded when sensor names come and go; a sensor that returns starts afresh. Pending and firing alerts are kept. never (or 0s): keep for ever.',
      ),
  })
  .prefault({});

const BYTE_SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)$/;
const BYTE_UNITS: Readonly<Record<string, number>> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
const BYTE_SIZE_HELP = 'expected a size such as 256MB, 1GB or 512MiB (or a number of bytes)';

/** A size in bytes, written as a number or with a unit (`256MB`, `1GiB`). */
function byteSize() {
  return z.union([
    z.number().int().positive(),
    z
      .string({ error: BYTE_SIZE_HELP })
      .regex(BYTE_SIZE, { error: BYTE_SIZE_HELP })
      .transform((text) => {
        const [, amount, unit] = BYTE_SIZE.exec(text)!;
        return Math.round(Number(amount) * BYTE_UNITS[unit!]!);
      }),
  ], { error: BYTE_SIZE_HELP });
}

const bufferSection = z
  .strictObject({
    commit_interval: duration()
      .prefault('100ms')
      .describe('Results are committed to SQLite in one transaction at most this often (fewer writes to the SD card).'),
    synchronous: z
      .enum(['full', 'normal'])
      .default('full')
      .describe('full: a committed result survives a power cut; normal: faster, survives a crash of the agent only.'),
    spill_after: duration()
      .prefault('5s')
      .describe(
        'Results are sent from memory at once and written to the buffer file only if a sink has not confirmed them within this (and when a sink is down, and at stop); a crash or power cut loses at most this much unconfirmed results. 0s: every result is written before it is sent.',
      ),
    checkpoint_interval: duration()
      .prefault('30s')
      .describe('How often the write-ahead log is copied into the buffer file and started again: fewer, larger writes to the SD card when longer, a larger log in between.'),
    max_results: z
      .number()
      .int()
      .positive()
      .default(1_000_000)
      .describe('Beyond this many undelivered results, the oldest windows are compacted, then the oldest results dropped (alerts last); all counted and logged.'),
    max_bytes: byteSize()
      .default(256_000_000)
      .describe('The same limit by the size of the stored results (their JSON), e.g. 256MB; keep it well below the free space of the disk.'),
    max_quarantined: z
      .number()
      .int()
      .nonnegative()
      .default(10_000)
      .describe('Results a sink rejected for good (e.g. InfluxDB 400) kept in the quarantine table for inspection; the oldest are deleted beyond this.'),
  })
  .prefault({});

const forwardingSection = z
  .strictObject({
    batch_size: z.number().int().positive().max(10_000).default(500),
    retry_initial: duration().prefault('1s').describe('First wait after a failed send; doubles (with jitter) up to retry_max.'),
    retry_max: duration().prefault('30s'),
    backfill_after: duration()
      .prefault('30s')
      .describe('A result sent longer than this after it was buffered is flagged backfilled; a sink down longer than this is reported as an outage event.'),
  })
  .prefault({});

/** A source or sink before its driver's own schema checks it: only `driver:` is known here. */
const driverInstance = z.looseObject({ driver: z.string().describe('Driver name.') });

/** The top level of a config file; each driver's options are checked by the driver's own schema after this. */
const historySection = z
  .strictObject({
    readings: duration()
      .prefault('0s')
      .describe('How long raw readings are kept for tributary query (0s: not kept, the default; each costs SD-card writes).'),
    results: duration().prefault('7d').describe('How long results are kept for tributary query (0s: not kept).'),
    synchronous: z
      .enum(['full', 'normal'])
      .default('normal')
      .describe('normal (default): history survives a crash of the agent; full: also a power cut, with more writes.'),
    flush_interval: duration()
      .prefault('1m')
      .refine((ms) => ms > 0, { error: 'flush_interval must be longer than 0' })
      .describe('History rows are written in one transaction this often (and at stop): fewer writes to the SD card; a crash or power cut loses at most this much history.'),
  })
  .prefault({});

const timeSection = z
  .strictObject({
    sync: z
      .enum(['auto', 'timesyncd', 'timedatectl', 'always', 'never'])
      .default('auto')
      .describe(
        'How to know the system clock is synchronised: timesyncd (its flag file), timedatectl (NTPSynchronized), always (a battery-backed clock), never; auto: timesyncd where it runs, else timedatectl, else always.',
      ),
    sync_flag: z.string().default('/run/systemd/timesync/synchronized').describe('The file systemd-timesyncd creates once it has synchronised.'),
    check_interval: duration().prefault('5s').describe('How often synchronisation is checked while the clock is not synchronised (12 times less often after).'),
    hold_unsynchronised: duration()
      .prefault('1h')
      .describe('Results made before the clock synchronised wait this long to be re-dated; then they are sent marked unsynchronised.'),
    source_timestamps: sourceTimestampDefaults().describe(
      "How timestamps that readings carry themselves (MQTT or serial timestamp_field, GPS time of NMEA fixes) are checked against the local clock; a source's timestamps: overrides it key by key.",
    ),
  })
  .prefault({});

/**
 * `sources`, `rules` or `sinks`: when written, at least one named entry (see pipeline-sections.ts for why). Left
 * out, it is empty here: the agent needs all three, which `checkConfigText` checks, while `replay` and `test-rules`
 * need only rules.
 */
function pipelineSection<Entry extends z.ZodType>(section: PipelineSection, entry: Entry) {
  return z
    .record(z.string().regex(INSTANCE_NAME, INSTANCE_NAME_HELP), entry)
    .refine((entries) => Object.keys(entries).length > 0, { error: emptySectionMessage(section) })
    .meta({ minProperties: 1 })
    .default({});
}

export const configSchema = z.strictObject({
  agent: agentSection,
  buffer: bufferSection,
  forwarding: forwardingSection,
  history: historySection,
  time: timeSection,
  sources: pipelineSection('sources', driverInstance),
  sinks: pipelineSection('sinks', driverInstance),
  rules: pipelineSection('rules', ruleSchema),
});

export type ParsedConfig = z.output<typeof configSchema>;
