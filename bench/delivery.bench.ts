/**
 * Store-and-forward throughput, each figure next to the raw limit measured in the same run. One JSON line each:
 *
 * - `buffer_write`: results appended and committed through the Outbox (JSON, size, kind, limits), 100 per commit as
 *   under load, next to plain better-sqlite3 INSERTs of the same payloads in transactions of the same size; for
 *   `synchronous: normal` and `full`.
 * - `drain`: a backlog of 360,000 window results (100 sensors × one hour of 1 s windows) sent by the Forwarder through
 *   the InfluxDB sink to a real influxd 1.x, next to plain HTTP POSTs of the same line protocol in batches of the
 *   same size to the same server; both checked to have stored every point.
 *
 *   node --import tsx bench/delivery.bench.ts   (BENCH_BACKLOG=…, BENCH_WRITES=…, BENCH_BATCH=… to change the sizes)
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { Outbox } from '../agent/buffer/outbox.js';
import { Forwarder } from '../agent/forwarding/forwarder.js';
import type { DriverContext } from '../drivers/driver.js';
import { influxdbSinkOptions } from '../drivers/influxdb/influxdb-options.js';
import { createInfluxdbSink } from '../drivers/influxdb/influxdb-sink.js';
import { formatPoints } from '../drivers/influxdb/line-protocol.js';
import { compileMeasurementTemplate, resultToPoint } from '../drivers/influxdb/result-points.js';
import type { WindowResult } from '../rules/rule-result.js';
import { startInfluxd, type Influxd } from '../test/helpers/influxd.js';
import { makeTempDir } from '../test/helpers/temp-dir.js';
import { systemClock } from '../drivers/clock.js';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 360_000);
const WRITES = Number(process.env.BENCH_WRITES ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const PER_COMMIT = 100;
const SENSORS = 100;
const T0 = Date.UTC(2025, 0, 1);

function result(n: number): WindowResult {
  const start = T0 + Math.floor(n / SENSORS) * 1_000;
  const value = (n % 1_000) / 10;
  return {
    kind: 'window',
    rule: 'climate_1s',
    source: 'bench',
    sensor: `room${n % SENSORS}/temperature`,
    tags: { site: 'bench' },
    start,
    end: start + 1_000,
    values: { count: 10, mean: value, min: value - 1, max: value + 1 },
  };
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function bufferWrite(dir: string, synchronous: 'normal' | 'full'): Promise<void> {
  const results = Array.from({ length: WRITES }, (_, n) => result(n));

  const outbox = new Outbox(path.join(dir, `outbox-${synchronous}.sqlite`), { synchronous, maxResults: 10_000_000, maxBytes: 1e12 });
  outbox.open(['sink']);
  let started = process.hrtime.bigint();
  for (let i = 0; i < results.length; i += PER_COMMIT) {
    for (const item of results.slice(i, i + PER_COMMIT)) outbox.append(item);
    outbox.commit(Date.now());
  }
  const outboxSeconds = seconds(started);
  outbox.close(Date.now());

  const raw = new Database(path.join(dir, `raw-${synchronous}.sqlite`));
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  raw.exec('CREATE TABLE results (seq INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL, rule TEXT NOT NULL, payload TEXT NOT NULL)');
  const insert = raw.prepare('INSERT INTO results (created_at, rule, payload) VALUES (?, ?, ?)');
  const commit = raw.transaction((chunk: WindowResult[]) => {
    for (const item of chunk) insert.run(Date.now(), item.rule, JSON.stringify(item));
  });
  started = process.hrtime.bigint();
  for (let i = 0; i < results.length; i += PER_COMMIT) commit(results.slice(i, i + PER_COMMIT));
  const rawSeconds = seconds(started);
  raw.close();

  print({
    bench: 'buffer_write',
    synchronous,
    results: WRITES,
    per_commit: PER_COMMIT,
    outbox_per_second: Math.round(WRITES / outboxSeconds),
    raw_insert_per_second: Math.round(WRITES / rawSeconds),
    ratio: Number((rawSeconds / outboxSeconds).toFixed(2)),
  });
}

async function pointsIn(server: Influxd, database: string): Promise<number> {
  const response = await server.query('SELECT count("mean") FROM "climate_1s"', { db: database });
  return Number(response.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

async function drain(dir: string, server: Influxd): Promise<void> {
  await server.createDatabase('through_agent');
  await server.createDatabase('raw_http');
  const results = Array.from({ length: BACKLOG }, (_, n) => result(n));

  const outbox = new Outbox(path.join(dir, 'drain.sqlite'), { synchronous: 'normal', maxResults: 10_000_000, maxBytes: 1e12 });
  outbox.open(['influx']);
  for (let i = 0; i < results.length; i += 10_000) {
    for (const item of results.slice(i, i + 10_000)) outbox.append(item);
    outbox.commit(Date.now());
  }
  const ignore = () => {};
  const context: DriverContext = { name: 'influx', log: { debug: ignore, info: ignore, warn: ignore, error: ignore }, now: Date.now, clock: systemClock, badInput: ignore, setConnected: ignore };
  const sink = createInfluxdbSink(influxdbSinkOptions.parse({ driver: 'influxdb', api: 'v1', url: server.url, database: 'through_agent', timeout: '30s' }), context);
  await sink.start();
  const forwarder = new Forwarder('influx', sink, outbox, new Set(['climate_1s']), {
    batchSize: BATCH, retryInitialMs: 100, retryMaxMs: 1_000, backfillAfterMs: 60_000, agentName: 'bench', now: Date.now,
  }, pino({ level: 'silent' }));
  let started = process.hrtime.bigint();
  forwarder.start();
  while (outbox.backlog()[0]!.pending > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const agentSeconds = seconds(started);
  await forwarder.stop(5_000);
  outbox.close(Date.now());

  // The same lines, made before the clock starts: only the HTTP round trips and influxd's work are timed.
  const measurement = compileMeasurementTemplate('{rule}');
  const bodies: string[] = [];
  for (let i = 0; i < results.length; i += BATCH) {
    bodies.push(formatPoints(results.slice(i, i + BATCH).map((item, j) => resultToPoint({ seq: i + j + 1, result: item }, measurement, 'ms'))).join('\n'));
  }
  const endpoint = `${server.url}/write?db=raw_http&precision=ms`;
  started = process.hrtime.bigint();
  for (const body of bodies) {
    const response = await fetch(endpoint, { method: 'POST', body });
    if (response.status !== 204) throw new Error(`raw write: HTTP ${response.status} ${await response.text()}`);
  }
  const rawSeconds = seconds(started);

  const [throughAgent, rawHttp] = [await pointsIn(server, 'through_agent'), await pointsIn(server, 'raw_http')];
  if (throughAgent !== BACKLOG || rawHttp !== BACKLOG) throw new Error(`stored ${throughAgent} and ${rawHttp} points, expected ${BACKLOG} each`);
  print({
    bench: 'drain',
    results: BACKLOG,
    batch: BATCH,
    forwarder_seconds: Number(agentSeconds.toFixed(2)),
    forwarder_per_second: Math.round(BACKLOG / agentSeconds),
    raw_http_seconds: Number(rawSeconds.toFixed(2)),
    raw_http_per_second: Math.round(BACKLOG / rawSeconds),
    ratio: Number((rawSeconds / agentSeconds).toFixed(2)),
    stored: throughAgent,
  });
}

const dir = await makeTempDir('delivery-bench');
const server = await startInfluxd();
try {
  await bufferWrite(dir.path, 'normal');
  await bufferWrite(dir.path, 'full');
  await drain(dir.path, server);
} finally {
  await server.dispose();
  await dir.remove();
}
