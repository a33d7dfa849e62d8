import { z } from 'zod';
import { duration } from '../../drivers/option-types.js';
import { DURATION_PATTERN, parseDuration } from '../../rules/duration.js';
import { docsNotes } from '../../rules/option-types.js';
import { sourceTimestampDefaults } from '../../drivers/timestamp-options.js';
import { DEFAULT_LISTEN, parseListenAddress } from '../health/listen-address.js';
import { isLoopbackHost } from '../health/http-access.js';
import { ruleSchema } from './rule-schema.js';
import { fleetSection } from '../fleet/fleet-config.js';
import { emptySectionMessage, type PipelineSection } from './pipeline-sections.js';

/** Names of sources, sinks and rules end up in topics and log lines, so they stay plain. */
const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const INSTANCE_NAME_HELP = 'names may hold letters, digits, "_", "-" and "." and start with a letter or digit';

/** `host:port`, with an IPv6 host in brackets (`[::1]:9108`). */
const LISTEN_ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

const httpSection = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve the [live page](#the-live-page) at `/`, and `/healthz`, `/metrics` and `/tail` (see [Health and metrics](#health-and-metrics)); `status` and `tail` need it.'),
    listen: z
      .string()
      .regex(LISTEN_ADDRESS, { error: 'expected host:port, e.g. 127.0.0.1:9108 or [::1]:9108' })
      .refine((address) => Number(address.slice(address.lastIndexOf(':') + 1)) <= 65_535, { error: 'the port must be 65535 or lower' })
      .default(DEFAULT_LISTEN)
      .describe('`host:port` of that server (`[::1]:9108` for IPv6). Loopback only by default. Any other address (`0.0.0.0:9108` to open the live page from a laptop) needs `http.token` or `http.basic_auth`. If the port is taken the agent logs an error and runs on without it.'),
    token: z
      .string()
      .min(16, { error: 'use a token of at least 16 characters (e.g. openssl rand -hex 16), from the environment: ${NAME}' })
      .optional()
      .describe('A token of at least 16 characters (`openssl rand -hex 16`), best from the environment: `token: ${TRIBUTARY_HTTP_TOKEN}`. Every request but the page\'s own files must carry it (`Authorization: Bearer …`, or `?access_token=…` from the live page).'),
    basic_auth: z
      .strictObject({
        username: z.string().min(1),
        password: z.string().min(8, { error: 'use a password of at least 8 characters, from the environment: ${NAME}' }),
      })
      .optional()
      .describe('`{ username: …, password: ${…} }`: the browser asks for user and password (HTTP basic auth; use it behind TLS, e.g. a reverse proxy, as the password crosses the network readable).'),
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
      .describe('Directory of the buffer (`buffer.sqlite`). Relative to the working directory. `run --data-dir` overrides it (the systemd unit points it at `/var/lib/tributary`). One agent per directory: a running agent holds a lock on `agent.lock` there, and a second agent on it refuses to start, naming the directory and the PID of the first (kept in `agent.pid`). The kernel drops the lock when the agent ends, also by `kill -9` or a power cut, so there is nothing to clean up. `query`, `status` and `tail` work beside a running agent.'),
    log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info').describe('`trace`, `debug`, `info`, `warn` or `error`.'),
    log_format: z
      .enum(['auto', 'pretty', 'json'])
      .default('auto')
      .describe('`pretty` (readable lines), `json` (one JSON object per line, for the journal), or `auto`: pretty on a terminal, JSON otherwise. Logs go to standard error; standard output carries results from a `console` sink.'),
    tick: duration().prefault('250ms').describe('How often the engine\'s clock is moved forward, closing due windows.'),
    watch_config: z
      .boolean()
      .default(true)
      .describe('Reload the rules when the config file changes (see [Reloading rules](#reloading-rules)); sources, sinks and other sections need a restart.'),
    http: httpSection,
    self_metrics: duration()
      .prefault('0s')
      .describe('Every this often the agent\'s own metrics (backlog, send lag, bad input, memory …) become readings of rule `_agent`, sent to every sink; for the Grafana agent dashboard ([config/grafana](config/grafana/README.md)). `0s`: off.'),
    forget_silent_sensors: forgetAfter()
      .prefault('24h')
      .describe('The rules forget what they keep of a sensor (transform state, `prev`, `derive` inputs, an unfinished count window, a resolved alert with its `tributary_alert_state` series and saved state) once it had no reading for this long, so memory stays bounded where sensor names come and go (devices re-paired, a topic per session). A sensor that returns starts afresh; a pending or firing alert (a `missing` sensor) is kept until its sensor returns. Keep it above the longest gap between a sensor\'s readings. `never` (or `0s`): keep every sensor for ever. See [Sensors that fall silent](rules/README.md#sensors-that-fall-silent).'),
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
      .describe('Results are committed in one transaction at most this often: fewer writes to the SD card. The first result after a quiet spell is committed at once.'),
    synchronous: z
      .enum(['full', 'normal'])
      .default('full')
      .describe('`full`: a committed result survives a power cut. `normal`: faster; survives a crash of the agent, not of the machine.'),
    spill_after: duration()
      .prefault('5s')
      .describe('Memory first, disk when needed: a result is sent from memory at once and written to `buffer.sqlite` only if some sink has not confirmed it within this long; also at once while a sink is down or refusing, and at stop. With every sink confirming in time the buffer writes nothing. `0s`: every result is written before any sink sees it. What each setting can lose: see [How delivery works](#how-delivery-works).'),
    checkpoint_interval: duration()
      .prefault('30s')
      .describe('How often SQLite\'s write-ahead log is copied into the buffer file and started again (cut back to 4 MB). Longer: fewer, larger writes to the SD card, and a larger log in between. Only with `synchronous: normal` or `spill_after: 0s`: otherwise the buffer keeps a rollback journal and has no log.'),
    max_results: z
      .number()
      .int()
      .positive()
      .default(1_000_000)
      .describe('Beyond this many undelivered results the buffer degrades: the oldest windows are compacted, then the oldest results dropped, alerts last (see [When the buffer is full](#when-the-buffer-is-full)).'),
    max_bytes: byteSize()
      .prefault('256MB')
      .describe('The same limit by the size of the stored results (their JSON, in bytes); `256MB`, `1GB`, `512MiB` or a number. Keep it well below the free space of the disk.'),
    max_quarantined: z
      .number()
      .int()
      .nonnegative()
      .default(10_000)
      .describe('Results a sink rejected for good kept in the `quarantine` table; the oldest are deleted beyond this.'),
  })
  .prefault({});

const forwardingSection = z
  .strictObject({
    batch_size: z.number().int().positive().max(10_000).default(500).describe('Results handed to a sink at once.'),
    retry_initial: duration().prefault('1s').describe('Wait after a failed send; doubles after each failure (each wait drawn at random from the upper half of its step) …'),
    retry_max: duration().prefault('30s').describe('… up to this. A `Retry-After` from the server (HTTP 429/503) is waited out in full, up to an hour.'),
    backfill_after: duration()
      .prefault('30s')
      .describe('A result sent longer than this after it was buffered is flagged `backfilled`; a sink down longer than this is reported as an `outage` event once it is back.'),
  })
  .prefault({});

/** A source or sink before its driver's own schema checks it: only `driver:` is known here. */
const driverInstance = z.looseObject({ driver: z.string().describe('Driver name.') });

/** The top level of a config file; each driver's options are checked by the driver's own schema after this. */
const historySection = z
  .strictObject({
    readings: duration()
      .prefault('0s')
      .describe('How long raw readings are kept; off by default, as every reading is then written to the SD card.'),
    results: duration().prefault('7d').describe('How long results (windows, passed-on readings, alert transitions) are kept; `0s` keeps none.'),
    synchronous: z
      .enum(['full', 'normal'])
      .default('normal')
      .describe('`normal`: history survives a crash of the agent; `full`: also a power cut, with more writes.'),
    flush_interval: duration()
      .prefault('1m')
      .refine((ms) => ms > 0, { error: 'flush_interval must be longer than 0' })
      .describe('History rows are queued in memory and written in one transaction this often (sooner once 10,000 rows wait), and at a clean stop, so `tributary query` shows rows up to this late. An SD card wears by the write, not by the byte: a minute of results in one transaction costs about what one result alone would.'),
  })
  .prefault({});

const timeSection = z
  .strictObject({
    sync: z
      .enum(['auto', 'timesyncd', 'timedatectl', 'always', 'never'])
      .default('auto')
      .describe('How to know the clock is synchronised: `timesyncd` (the flag file systemd-timesyncd creates), `timedatectl` (its `NTPSynchronized`, which reflects chrony or ntpd too), `always` (a real-time clock or GPS time), `never`. `auto`: timesyncd where it runs, else timedatectl, else `always` (said once in the log).'),
    sync_flag: z.string().default('/run/systemd/timesync/synchronized').describe('The file timesyncd creates once synchronised.'),
    check_interval: duration().prefault('5s').describe('How often synchronisation is checked while not synchronised (12 times less often after).'),
    hold_unsynchronised: duration()
      .prefault('1h')
      .describe('How long results made before synchronisation wait; after that they are sent as they are, marked `time_quality: unsynchronised` (a device that never synchronises). Measured on the monotonic clock from when each result was buffered, so a step of the wall clock neither cuts the hold short nor lengthens it.'),
    source_timestamps: sourceTimestampDefaults().describe(
      "How timestamps that readings carry themselves (MQTT or serial timestamp_field, GPS time of NMEA fixes) are checked against the local clock; a source's timestamps: overrides it key by key.",
    )
      // The README lists its keys one by one.
      .register(docsNotes, { keyByKey: true }),
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
  fleet: fleetSection,
});

export type ParsedConfig = z.output<typeof configSchema>;
