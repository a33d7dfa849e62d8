import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { checkConfigText, type TributaryConfig } from '../../agent/config/load-config.js';
import type { Reading } from '../../rules/reading.js';
import { startPtyPair, type PtyPair } from '../helpers/pty-pair.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { checksum } from '../../drivers/serial/nmea-sentence.js';

const HOUR = 3_600_000;

const pairs: PtyPair[] = [];
const dirs: TempDir[] = [];
afterEach(async () => {
  await Promise.all(pairs.splice(0).map((pair) => pair.dispose()));
  await Promise.all(dirs.splice(0).map((dir) => dir.remove()));
});

function configFor(yaml: string): TributaryConfig {
  const checked = checkConfigText(yaml, 'serial-gps-time.yaml', {});
  if (!checked.ok) throw new Error(checked.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  return checked.config;
}

function sentence(body: string): string {
  return `$${body}*${checksum(body).toString(16).toUpperCase().padStart(2, '0')}\r\n`;
}

/** A time as NMEA writes it, to the hundredth of a second: `hhmmss.ss` and `ddmmyy`. */
function nmeaTime(ms: number): { time: string; date: string } {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return {
    time: `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}.${two(Math.floor(d.getUTCMilliseconds() / 10))}`,
    date: `${two(d.getUTCDate())}${two(d.getUTCMonth() + 1)}${two(d.getUTCFullYear() % 100)}`,
  };
}

const rmc = (ms: number, course: number) => {
  const { time, date } = nmeaTime(ms);
  return sentence(`GPRMC,${time},A,4807.038,N,01131.000,E,022.4,${course.toFixed(1)},${date},003.1,W`);
};
const gga = (ms: number) => sentence(`GPGGA,${nmeaTime(ms).time},4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,`);
const VTG = sentence('GPVTG,30.0,T,,M,005.5,N,010.2,K');

async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * GPS receivers on real ptys, read by the agent: each prints a fix 2 s old (within max_skew), an RMC an hour ahead of
 * the Pi's clock, a GGA (time of day only) an hour behind, and a VTG (no time). The agent's check replaces, keeps or
 * drops the two that are off, as each source says; with gps_time: false nothing is checked.
 */
describe('GPS time from a serial NMEA source', () => {
  it("stands within max_skew; an hour off is replaced, kept or dropped as each source's timestamps: say", async () => {
    const names = ['replaced', 'kept', 'dropped', 'arrival'] as const;
    const ports = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await startPtyPair()] as const)));
    pairs.push(...Object.values(ports));
    const dir = await makeTempDir('serial-gps-time');
    dirs.push(dir);
    const gps = (name: (typeof names)[number], format = '', extra = '') =>
      `{ driver: serial, path: "${ports[name]!.devicePath}", delimiter: '\\r\\n', sensor_prefix: gps, format: { type: nmea${format} }${extra} }`;
    const config = configFor(`
agent: { tick: 50ms, http: { enabled: false } }
time: { sync: always }
buffer: { commit_interval: 10ms }
sources:
  replaced: ${gps('replaced')}
  kept: ${gps('kept', '', ', timestamps: { on_skew: keep }')}
  dropped: ${gps('dropped', '', ', timestamps: { on_skew: drop }')}
  arrival: ${gps('arrival', ', gps_time: false')}
rules: { passed_on: {} }
# Nothing listens there: results wait in the buffer; the test watches the readings.
sinks: { away: { driver: mqtt, url: "mqtt://127.0.0.1:1", reconnect_period: 10s } }
`);
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const agent = new Agent(config, { log, dataDir: path.join(dir.path, 'data') });
    const taken: Reading[] = [];
    agent.tap.onReading((reading) => void taken.push(reading));
    await agent.start();
    try {
      const sentAt = Date.now();
      const inTolerance = Math.floor((sentAt - 2_000) / 10) * 10;
      const ahead = Math.floor((sentAt + HOUR) / 10) * 10;
      const behind = Math.floor((sentAt - HOUR) / 10) * 10;
      // The VTG comes last: once it is there every earlier reading of its port is too.
      for (const name of names) await ports[name]!.write(rmc(inTolerance, 10) + rmc(ahead, 20) + gga(behind) + VTG);
      await eventually(() => taken.filter((r) => r.sensor === 'gps/course' && r.value === 30).length === names.length, 'the VTG of every port');
      const receivedAt = Date.now();

      /** When each source's readings were stamped: the RMCs by their course, the GGA by its altitude, the VTG. */
      const timesOf = (source: string) => {
        const mine = taken.filter((r) => r.source === source);
        const course = (value: number) => mine.find((r) => r.sensor === 'gps/course' && r.value === value)?.timestamp;
        const altitude = mine.find((r) => r.sensor === 'gps/altitude')?.timestamp;
        return { rmcInTolerance: course(10), rmcAhead: course(20), ggaBehind: altitude, vtg: course(30) };
      };
      const onArrival = expect.toSatisfy((t: number) => t >= sentAt && t <= receivedAt, 'the arrival time');

      expect(timesOf('replaced')).toEqual({ rmcInTolerance: inTolerance, rmcAhead: onArrival, ggaBehind: onArrival, vtg: onArrival });
      expect(timesOf('kept')).toEqual({ rmcInTolerance: inTolerance, rmcAhead: ahead, ggaBehind: behind, vtg: onArrival });
      expect(timesOf('dropped')).toEqual({ rmcInTolerance: inTolerance, rmcAhead: undefined, ggaBehind: undefined, vtg: onArrival });
      expect(timesOf('arrival')).toEqual({ rmcInTolerance: onArrival, rmcAhead: onArrival, ggaBehind: onArrival, vtg: onArrival });
      // Every reading of a sentence carries its time: 5 of the RMC, 6 of the GGA.
      expect(taken.filter((r) => r.source === 'kept' && r.timestamp === ahead)).toHaveLength(5);
      expect(taken.filter((r) => r.source === 'kept' && r.timestamp === behind)).toHaveLength(6);

      expect(agent.sourceStatus().map(({ name, skewedTimestamps, rejected }) => [name, skewedTimestamps, rejected])).toEqual([
        ['replaced', { replace: 11, keep: 0, drop: 0 }, 0],
        ['kept', { replace: 0, keep: 11, drop: 0 }, 0],
        ['dropped', { replace: 0, keep: 0, drop: 11 }, 11],
        ['arrival', { replace: 0, keep: 0, drop: 0 }, 0],
      ]);
      const skewLines = lines.filter((line) => String(line.msg).startsWith('skewed timestamp:'));
      expect(skewLines.map((line) => `${line.source} ${line.kind}`).sort()).toEqual([
        'dropped timestamp-ahead',
        'dropped timestamp-behind',
        'kept timestamp-ahead',
        'kept timestamp-behind',
        'replaced timestamp-ahead',
        'replaced timestamp-behind',
      ]);
      const replacedAhead = skewLines.find((line) => line.source === 'replaced' && line.kind === 'timestamp-ahead')!;
      expect(replacedAhead).toMatchObject({ level: 40, source_time: new Date(ahead).toISOString(), action: 'replace' });
      expect(replacedAhead.msg).toMatch(
        /^skewed timestamp: gps\/\w+: its time \S+ is 1 h ahead of the local clock, more than 5 min; stamped with its arrival time instead$/,
      );
    } finally {
      await agent.stop();
    }
  });
});
