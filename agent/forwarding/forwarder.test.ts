import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { BufferedResult, ClockStamp, DriverContext, SinkDriver } from '../../drivers/driver.js';
import { influxdbSinkOptions } from '../../drivers/influxdb/influxdb-options.js';
import { createInfluxdbSink } from '../../drivers/influxdb/influxdb-sink.js';
import type { AlertResult, EventResult, RuleResult, WindowResult } from '../../rules/rule-result.js';
import { startInfluxd, type Influxd } from '../../test/helpers/influxd.js';
import { makeTempDir } from '../../test/helpers/temp-dir.js';
import { Outbox } from '../buffer/outbox.js';
import { AgentClock } from '../clock/agent-clock.js';
import { UnsynchronisedHold } from '../clock/unsynchronised-hold.js';
import { Forwarder, type ForwarderOptions } from './forwarder.js';
import { systemClock } from '../../drivers/clock.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;
const THREE_DAYS = 72 * HOUR;
const RULES = new Set(['climate', 'frost']);
const silent = pino({ level: 'silent' });
const cleanups: (() => Promise<unknown> | unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function window(n: number): WindowResult {
  return { kind: 'window', rule: 'climate', source: 'sim', sensor: `s${n % 3}`, tags: {}, start: T0 + n * 60_000, end: T0 + (n + 1) * 60_000, values: { count: 6, mean: n } };
}

function alert(n: number): AlertResult {
  return {
    kind: 'alert', rule: 'frost', source: 'sim', sensor: 's0', tags: {}, timestamp: T0 + n * 60_000 + 1, state: 'firing', previous: 'pending',
    detector: 'threshold', severity: 'critical', value: -2, message: 'frost', since: T0,
  };
}

function sinkContext(): DriverContext {
  const ignore = () => {};
  return { name: 'influx', log: { debug: ignore, info: ignore, warn: ignore, error: ignore }, now: Date.now, clock: systemClock, badInput: ignore, setConnected: ignore };
}

/** A real sink with every batch it was handed (and whether it accepted it) written down. */
function recorded(sink: SinkDriver) {
  const sends: { items: BufferedResult[]; ok: boolean }[] = [];
  const wrapped: SinkDriver = {
    start: () => sink.start(),
    stop: () => sink.stop(),
    async send(batch) {
      try {
        await sink.send(batch);
        sends.push({ items: [...batch], ok: true });
      } catch (error) {
        sends.push({ items: [...batch], ok: false });
        throw error;
      }
    },
  };
  return { sink: wrapped, sends };
}

async function setup(sinkOptions: Record<string, unknown>, options: Partial<ForwarderOptions> = {}) {
  const dir = await makeTempDir('forwarder');
  cleanups.push(() => dir.remove());
  const outbox = new Outbox(path.join(dir.path, 'buffer.sqlite'), { synchronous: 'normal', maxResults: 100_000, agentName: 'pi' });
  outbox.open(['influx']);
  cleanups.push(() => outbox.close(Date.now()));
  const { sink, sends } = recorded(createInfluxdbSink(influxdbSinkOptions.parse({ driver: 'influxdb', ...sinkOptions }), sinkContext()));
  const events: EventResult[] = [];
  const forwarder = new Forwarder('influx', sink, outbox, RULES, {
    batchSize: 500, retryInitialMs: 50, retryMaxMs: 400, backfillAfterMs: 60_000, agentName: 'pi', now: Date.now,
    emitEvent: (event) => {
      events.push(event);
      outbox.append(event);
      outbox.commit(Date.now());
      forwarder.wake();
    },
    ...options,
  }, silent);
  cleanups.unshift(() => forwarder.stop(2_000));
  const add = (results: RuleResult[]) => {
    for (const result of results) outbox.append(result);
    outbox.commit(Date.now());
    forwarder.wake();
  };
  return { outbox, forwarder, sends, events, add, file: path.join(dir.path, 'buffer.sqlite') };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function influxd(): Promise<Influxd> {
  const server = await startInfluxd();
  cleanups.push(() => server.dispose());
  await server.createDatabase('farm');
  return server;
}

async function count(server: Influxd, measurement: string): Promise<number> {
  const response = await server.query(`SELECT count(*) FROM "${measurement}"`, { db: 'farm' });
  const row = response.results[0]?.series?.[0]?.values[0];
  return row === undefined ? 0 : Math.max(...(row.slice(1) as number[]));
}

describe('Forwarder', () => {
  it('quarantines the result InfluxDB refuses for good (field type conflict) and delivers the rest of the batch', async () => {
    const server = await influxd();
    // `state` first written as a float: every alert point (state is text) now conflicts in this shard.
    const prewrite = await fetch(`${server.url}/write?db=farm&precision=ms`, { method: 'POST', body: `alerts,rule=frost state=1.5 ${T0}` });
    expect(prewrite.status).toBe(204);
    const { outbox, forwarder, sends, add, file } = await setup({ api: 'v1', url: server.url, database: 'farm', timeout: '5s' });
    const results: RuleResult[] = [...Array.from({ length: 10 }, (_, n) => window(n)), alert(10), ...Array.from({ length: 10 }, (_, n) => window(11 + n))];
    add(results);
    forwarder.start();

    await until(() => forwarder.stats.quarantined === 1 && outbox.backlog()[0]!.pending === 0, 'the batch to be settled');
    expect(await count(server, 'climate')).toBe(20);
    expect(forwarder.stats).toMatchObject({ sent: 20, quarantined: 1, failures: 0 });
    // Found by splitting: the whole batch, then halves, down to the alert alone.
    expect(sends[0]).toMatchObject({ ok: false });
    expect(sends[0]!.items).toHaveLength(21);
    expect(sends.filter((s) => !s.ok).at(-1)!.items.map((i) => i.result.kind)).toEqual(['alert']);
    expect(sends.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(21)) + 1);

    const db = new Database(file, { readonly: true });
    const quarantined = db.prepare('SELECT sink, seq, reason, payload FROM quarantine').all() as Record<string, string>[];
    db.close();
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]).toMatchObject({ sink: 'influx', seq: 11 });
    expect(quarantined[0]!['reason']).toMatch(/HTTP 400, the server rejected the data: .*field type conflict/);
    expect(JSON.parse(quarantined[0]!['payload']!)).toEqual(alert(10));

    // The sink is not blocked: what comes next is delivered.
    add([window(30)]);
    await until(async () => (await count(server, 'climate')) === 21, 'a later result');
  });

  it('waits as long as a 429 Retry-After asks before trying again', async () => {
    const arrivals: number[] = [];
    const server = createServer((request: IncomingMessage, response) => {
      request.resume();
      arrivals.push(Date.now());
      if (arrivals.length === 1) response.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' }).end('{"error":"slow down"}');
      else response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { forwarder, add } = await setup({ api: 'v1', url, database: 'farm', timeout: '5s' }, { retryInitialMs: 20 });
    add([window(1)]);
    forwarder.start();

    await until(() => forwarder.stats.sent === 1, 'the retry to succeed');
    expect(arrivals).toHaveLength(2);
    // Our own backoff would have come back after 10–20 ms.
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(1_950);
    expect(forwarder.stats.lastError).toMatch(/HTTP 429, too many requests: slow down \(server asks to retry after 2 s\)/);
  });

  it('after an outage flags late results backfilled, keeps their times, and reports the outage as an event', async () => {
    const server = await influxd();
    const { forwarder, sends, events, add, outbox } = await setup(
      { api: 'v1', url: server.url, database: 'farm', timeout: '2s' },
      { backfillAfterMs: 500 },
    );
    forwarder.start();
    add([window(0), window(1)]);
    await until(() => forwarder.stats.sent === 2, 'live results');
    expect(sends.flatMap((s) => s.items).every((i) => i.backfilled !== true)).toBe(true);

    await server.stop();
    const outageStart = Date.now();
    add([window(2), window(3), window(4)]);
    await until(() => forwarder.stats.failures >= 2, 'failed sends');
    await new Promise((resolve) => setTimeout(resolve, 700));
    await server.restart();
    await until(() => events.length === 1 && outbox.backlog()[0]!.pending === 0, 'the backlog and the outage event');

    const late = sends.filter((s) => s.ok).flatMap((s) => s.items).filter((i) => i.result.kind === 'window' && i.seq > 2);
    expect(late.map((i) => i.backfilled)).toEqual([true, true, true]);
    expect(forwarder.stats.backfilled).toBeGreaterThanOrEqual(3);
    expect(events[0]).toMatchObject({ kind: 'event', rule: '_agent', event: 'outage', source: 'pi', sensor: 'influx', held: 3 });
    expect(events[0]!.timestamp).toBeGreaterThanOrEqual(outageStart - 50);
    expect(events[0]!.end - events[0]!.timestamp).toBeGreaterThan(500);

    // Windows at their own start times, and the outage as one annotation point at its start.
    const rows = await server.query('SELECT mean FROM climate ORDER BY time', { db: 'farm', epoch: 'ms' });
    expect(rows.results[0]!.series![0]!.values.map((row) => row[0])).toEqual([0, 1, 2, 3, 4].map((n) => T0 + n * 60_000));
    const annotation = await server.query('SELECT "message", "end", "held", "sink" FROM tributary_events', { db: 'farm', epoch: 'ms' });
    expect(annotation.results[0]!.series![0]!.values).toEqual([
      [events[0]!.timestamp, events[0]!.message, events[0]!.end, 3, 'influx'],
    ]);
    expect(events[0]!.message).toMatch(/^sink influx unreachable for \d+ s; 3 results held back and sent late$/);
  });
});

/** An HTTP server that accepts every write, standing in for InfluxDB where only what the sink was handed matters. */
async function acceptingServer(): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A Pi booted at a stale time: its wall clock and monotonic clock moved by the test, its AgentClock not synchronised,
 * and the forwarder holding what was made meanwhile for up to an hour.
 */
async function unsynchronisedSetup() {
  const clocks = { wall: T0, monotonic: 5_000 };
  const clock = new AgentClock({ bootId: 'boot-1', wall: () => clocks.wall, monotonic: () => clocks.monotonic, stepToleranceMs: 1_000 });
  clock.synchronisation({ synchronized: false, method: 'timesyncd' });
  const hold = new UnsynchronisedHold(clock, () => clocks.monotonic, HOUR);
  const url = await acceptingServer();
  const { forwarder, sends, outbox } = await setup({ api: 'v1', url, database: 'farm', timeout: '5s' }, { now: () => clocks.wall, time: hold });
  const stamp = (): ClockStamp => ({ segment: clock.current.id, boot: 'boot-1', monotonic: clocks.monotonic });
  for (let n = 0; n < 3; n += 1) outbox.append(window(n), stamp());
  outbox.commit(clocks.wall);
  forwarder.start();
  return {
    clocks,
    clock,
    forwarder,
    sent: () => sends.filter((s) => s.ok).flatMap((s) => s.items),
    pass(ms: number) {
      clocks.wall += ms;
      clocks.monotonic += ms;
    },
    /** Sets the wall clock by `ms`, and the agent's tick notices it. */
    step(ms: number) {
      clocks.wall += ms;
      expect(clock.observe()).toMatchObject({ kind: 'step', stepMs: ms });
    },
    /** Lets the forwarder look at its held batch again, as new results would, and gives it time to act. */
    async recheck() {
      forwarder.wake();
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
  };
}

describe('Forwarder holding results made while the clock is not synchronised', () => {
  it('holds them across NTP setting the clock three days forward until the check says it is synchronised, then sends them re-dated', async () => {
    const pi = await unsynchronisedSetup();
    pi.pass(10 * 60_000);
    await pi.recheck();
    expect(pi.sent()).toEqual([]);
    // Between the step and the next synchronisation check the results look three days old by the wall clock.
    pi.step(THREE_DAYS);
    await pi.recheck();
    expect(pi.sent()).toEqual([]);

    pi.clock.synchronisation({ synchronized: true, method: 'timesyncd' });
    pi.forwarder.wake(); // as the agent does on synchronisation
    await until(() => pi.sent().length === 3, 'the held results');
    expect(pi.sent().map((item) => item.timeQuality)).toEqual(['redated', 'redated', 'redated']);
    expect(pi.sent().map((item) => (item.result as WindowResult).start)).toEqual([0, 1, 2].map((n) => window(n).start + THREE_DAYS));
  });

  it('sends them as they are after hold_unsynchronised of monotonic time: a step forward does not cut it short, a step back does not lengthen it', async () => {
    const pi = await unsynchronisedSetup();
    pi.pass(10 * 60_000);
    pi.step(THREE_DAYS); // set by hand, still not synchronised
    await pi.recheck();
    expect(pi.sent()).toEqual([]);
    pi.pass(20 * 60_000);
    pi.step(-2 * THREE_DAYS); // and back, three days behind where it began: by the wall clock they are not made yet
    pi.pass(30 * 60_000 - 1);
    await pi.recheck();
    expect(pi.sent()).toEqual([]);

    pi.pass(1);
    pi.forwarder.wake();
    await until(() => pi.sent().length === 3, 'the results after the hold');
    expect(pi.sent().map((item) => item.timeQuality)).toEqual(['unsynchronised', 'unsynchronised', 'unsynchronised']);
    expect(pi.sent().map((item) => item.result)).toEqual([0, 1, 2].map((n) => window(n)));
  });
});
