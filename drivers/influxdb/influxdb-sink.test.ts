import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startInfluxd, type Influxd } from '../../test/helpers/influxd.js';
import { startVictoriaMetrics, type VictoriaMetrics } from '../../test/helpers/victoria-metrics.js';
import type { BufferedResult, DriverContext, SinkBatch } from '../driver.js';
import { influxdbSinkOptions } from './influxdb-options.js';
import { createInfluxdbSink } from './influxdb-sink.js';
import { PermanentSinkError } from '../sink-errors.js';
import { systemClock } from '../clock.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);

// Everything a test opens is closed here, even when an assertion fails halfway.
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function influxd(): Promise<Influxd> {
  const server = await startInfluxd();
  cleanups.push(() => server.dispose());
  await server.createDatabase('farm');
  return server;
}

async function victoria(extraArgs: readonly string[] = []): Promise<VictoriaMetrics> {
  const server = await startVictoriaMetrics({ extraArgs });
  cleanups.push(() => server.dispose());
  return server;
}

function recordingContext() {
  const connections: { connected: boolean; reason: string | undefined }[] = [];
  const ignore = () => {};
  const context: DriverContext = {
    name: 'influx_out',
    log: { debug: ignore, info: ignore, warn: ignore, error: ignore },
    now: () => T0,
    clock: systemClock,
    badInput: ignore,
    setConnected: (connected, reason) => void connections.push({ connected, reason }),
  };
  return { context, connections };
}

async function startSink(options: Record<string, unknown>) {
  const parsed = influxdbSinkOptions.parse({ driver: 'influxdb', ...options });
  const recording = recordingContext();
  const sink = createInfluxdbSink(parsed, recording.context);
  cleanups.push(() => sink.stop());
  await sink.start();
  return { sink, ...recording };
}

function window(seq: number, sensor: string, start: number, values: Record<string, number>, revision?: number): BufferedResult {
  return {
    seq,
    result: {
      kind: 'window',
      rule: 'climate_1m',
      source: 'sim',
      sensor,
      tags: { site: 'north' },
      start,
      end: start + 60_000,
      values,
      ...(revision === undefined ? {} : { revision }),
    },
  };
}

function reading(seq: number, sensor: string, timestamp: number, value: number): BufferedResult {
  return { seq, result: { kind: 'reading', rule: 'door_events', source: 'gpio', sensor, tags: {}, timestamp, value } };
}

const BATCH: SinkBatch = [
  window(1, 'greenhouse/temperature', T0, { mean: 21.25, min: 20, max: 22.5 }),
  window(2, 'greenhouse/humidity', T0, { mean: 55, min: 50.5, max: 60 }),
  window(3, 'greenhouse/temperature', T0 + 60_000, { mean: 22, min: 21, max: 23 }),
  reading(4, 'door', T0 + 1_234, 1),
  reading(5, 'door', T0 + 5_678, 0),
];

describe('influxdb sink, api v1 against influxd 1.x', () => {
  const v1 = (server: Influxd, extra: Record<string, unknown> = {}) => ({ api: 'v1', url: server.url, database: 'farm', timeout: '2s', ...extra });

  async function select(server: Influxd, measurement: string) {
    const response = await server.query(`SELECT * FROM "${measurement}" ORDER BY time`, { db: 'farm', epoch: 'ms' });
    const series = response.results[0]?.series?.[0];
    if (series === undefined) return [];
    return series.values.map((row) => Object.fromEntries(series.columns.map((column, i) => [column, row[i]])));
  }

  it('stores windows at their start and readings at their time, with exact values and tags', async () => {
    const server = await influxd();
    const { sink, connections } = await startSink(v1(server));
    await sink.send(BATCH);

    expect(await select(server, 'climate_1m')).toEqual([
      { time: T0, rule: 'climate_1m', source: 'sim', sensor: 'greenhouse/humidity', site: 'north', mean: 55, min: 50.5, max: 60 },
      { time: T0, rule: 'climate_1m', source: 'sim', sensor: 'greenhouse/temperature', site: 'north', mean: 21.25, min: 20, max: 22.5 },
      { time: T0 + 60_000, rule: 'climate_1m', source: 'sim', sensor: 'greenhouse/temperature', site: 'north', mean: 22, min: 21, max: 23 },
    ]);
    expect(await select(server, 'door_events')).toEqual([
      { time: T0 + 1_234, rule: 'door_events', source: 'gpio', sensor: 'door', value: 1 },
      { time: T0 + 5_678, rule: 'door_events', source: 'gpio', sensor: 'door', value: 0 },
    ]);
    expect(connections.at(-1)).toEqual({ connected: true, reason: undefined });
  });

  it('leaves one point per series and time when the same batch is sent twice, and a revision overwrites it', async () => {
    const server = await influxd();
    const { sink } = await startSink(v1(server));
    await sink.send(BATCH);
    await sink.send(BATCH);
    await sink.send([window(6, 'greenhouse/temperature', T0, { mean: 21.5, min: 20, max: 23 }, 1)]);

    const rows = await select(server, 'climate_1m');
    expect(rows).toHaveLength(3);
    expect(rows.find((row) => row['sensor'] === 'greenhouse/temperature' && row['time'] === T0)).toMatchObject({ mean: 21.5, max: 23 });
    expect(await select(server, 'door_events')).toHaveLength(2);
  });

  it('stores a sensor name built to inject a second point as one point with that exact name', async () => {
    const server = await influxd();
    const { sink } = await startSink(v1(server));
    await sink.send([window(1, 'a,b=c d\nevil value=1', T0, { mean: 2 })]);

    const rows = await select(server, 'climate_1m');
    // The line break became a space; everything else arrives as written, in one point of one series.
    expect(rows).toEqual([{ time: T0, rule: 'climate_1m', source: 'sim', sensor: 'a,b=c d evil value=1', site: 'north', mean: 2 }]);
    const measurements = await server.query('SHOW MEASUREMENTS', { db: 'farm' });
    expect(measurements.results[0]?.series?.[0]?.values).toEqual([['climate_1m']]);
  });

  it('leaves out values InfluxDB cannot store, and accepts a batch with nothing left to write', async () => {
    const server = await influxd();
    const { sink } = await startSink(v1(server));
    await sink.send([window(1, 'odd', T0, { mean: NaN, max: Infinity })]);
    await sink.send([window(2, 'odd', T0 + 60_000, { mean: NaN, max: 3 })]);
    expect(await select(server, 'climate_1m')).toEqual([
      { time: T0 + 60_000, rule: 'climate_1m', source: 'sim', sensor: 'odd', site: 'north', max: 3 },
    ]);
  });

  it('uses the measurement template and the retention policy', async () => {
    const server = await influxd();
    await server.query('CREATE RETENTION POLICY "week" ON "farm" DURATION 5200w REPLICATION 1');
    const { sink } = await startSink(v1(server, { measurement: '{tags.site}_{source}', retention_policy: 'week' }));
    await sink.send([BATCH[0]!]);
    const response = await server.query('SELECT mean FROM "week"."north_sim"', { db: 'farm', epoch: 'ms' });
    expect(response.results[0]?.series?.[0]?.values).toEqual([[T0, 21.25]]);
  });

  it('rejects with a clear message while the server is down, and delivers again after it restarts', async () => {
    const server = await influxd();
    const { sink, connections } = await startSink(v1(server));
    await server.stop();

    await expect(sink.send(BATCH)).rejects.toThrow(`InfluxDB ${server.url} database farm: write failed: connection refused`);
    expect(connections.at(-1)?.connected).toBe(false);

    await server.restart();
    await sink.send(BATCH);
    expect(await select(server, 'climate_1m')).toHaveLength(3);
    expect(connections.at(-1)?.connected).toBe(true);
  });

  it('rejects after the timeout when the server accepts the connection but never answers', async () => {
    const server = await influxd();
    const { sink } = await startSink(v1(server, { timeout: '300ms' }));
    server.pause();
    try {
      await expect(sink.send(BATCH)).rejects.toThrow('database farm: write failed: no answer within 300 ms');
    } finally {
      server.resume();
    }
    await sink.send(BATCH);
    expect(await select(server, 'door_events')).toHaveLength(2);
  });

  it("rejects data the server refuses with the server's own message", async () => {
    const server = await influxd();
    const { sink } = await startSink(v1(server));
    await server.query('CREATE DATABASE "other"');

    const missing = await startSink(v1(server, { database: 'nope' }));
    await expect(missing.sink.send(BATCH)).rejects.toThrow(/database nope: HTTP 404, not found: .*database not found: "nope"/);

    // A field first written as a string cannot take a float: a 400 with InfluxDB's explanation.
    await fetch(`${server.url}/write?db=farm`, { method: 'POST', body: `door_events,rule=door_events,sensor=door,source=gpio value="open" ${T0}000000` });
    await expect(sink.send([BATCH[3]!])).rejects.toThrow(/HTTP 400, the server rejected the data: .*field type conflict/);
    // Retrying cannot fix that: the forwarder must quarantine it, so the error says so by its class.
    await expect(sink.send([BATCH[3]!])).rejects.toBeInstanceOf(PermanentSinkError);
    // A missing database can be created while results wait: that stays a retryable error.
    const notFound = await missing.sink.send(BATCH).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(Error);
    expect(notFound).not.toBeInstanceOf(PermanentSinkError);
  });

  it('sends HTTP basic auth when a username is given', async () => {
    const server = await influxd();
    const { sink } = await startSink(v1(server, { username: 'edge', password: 'secret' }));
    // Auth is disabled on the test server, so it accepts any credentials; the header must not break the write.
    await sink.send(BATCH);
    expect(await select(server, 'door_events')).toHaveLength(2);
  });
});

describe('influxdb sink, api v2 against VictoriaMetrics', () => {
  const v2 = (server: VictoriaMetrics, extra: Record<string, unknown> = {}) => ({
    url: server.url,
    org: 'farm',
    bucket: 'edge',
    token: 'ignored-by-victoria-metrics',
    timeout: '2s',
    ...extra,
  });

  async function exported(server: VictoriaMetrics, measurement: string) {
    await server.flush();
    const series = await server.exportSeries(`{__name__=~"${measurement}_.*"}`);
    return series
      .map(({ metric, values, timestamps }) => ({ metric, samples: timestamps.map((t, i) => [t, values[i]]) }))
      .sort((a, b) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric)));
  }

  it.each([true, false])('stores every aggregate as a series with exact values, tags and timestamps (gzip %s)', async (gzip) => {
    const server = await victoria();
    const { sink } = await startSink(v2(server, { gzip }));
    await sink.send(BATCH);

    const tags = { rule: 'climate_1m', source: 'sim', site: 'north' };
    const climate = await exported(server, 'climate_1m');
    expect(climate).toEqual(
      [
        { metric: { __name__: 'climate_1m_max', ...tags, sensor: 'greenhouse/humidity' }, samples: [[T0, 60]] },
        { metric: { __name__: 'climate_1m_max', ...tags, sensor: 'greenhouse/temperature' }, samples: [[T0, 22.5], [T0 + 60_000, 23]] },
        { metric: { __name__: 'climate_1m_mean', ...tags, sensor: 'greenhouse/humidity' }, samples: [[T0, 55]] },
        { metric: { __name__: 'climate_1m_mean', ...tags, sensor: 'greenhouse/temperature' }, samples: [[T0, 21.25], [T0 + 60_000, 22]] },
        { metric: { __name__: 'climate_1m_min', ...tags, sensor: 'greenhouse/humidity' }, samples: [[T0, 50.5]] },
        { metric: { __name__: 'climate_1m_min', ...tags, sensor: 'greenhouse/temperature' }, samples: [[T0, 20], [T0 + 60_000, 21]] },
      ].sort((a, b) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric))),
    );
    expect(await exported(server, 'door_events')).toEqual([
      { metric: { __name__: 'door_events_value', rule: 'door_events', source: 'gpio', sensor: 'door' }, samples: [[T0 + 1_234, 1], [T0 + 5_678, 0]] },
    ]);
  });

  it('leaves one sample per series and time for a resent batch when deduplication is on', async () => {
    // VictoriaMetrics keeps every sample it is sent unless -dedup.minScrapeInterval is set (see README).
    const server = await victoria(['-dedup.minScrapeInterval=1ms']);
    const { sink } = await startSink(v2(server));
    await sink.send(BATCH);
    await sink.send(BATCH);
    const climate = await exported(server, 'climate_1m');
    expect(climate).toHaveLength(6);
    for (const series of climate) expect(new Set(series.samples.map(([t]) => t)).size).toBe(series.samples.length);
    expect(await exported(server, 'door_events')).toEqual([
      { metric: { __name__: 'door_events_value', rule: 'door_events', source: 'gpio', sensor: 'door' }, samples: [[T0 + 1_234, 1], [T0 + 5_678, 0]] },
    ]);
  });

  it('writes in the configured precision', async () => {
    const server = await victoria();
    const { sink } = await startSink(v2(server, { precision: 's' }));
    await sink.send([reading(1, 'door', T0 + 1_999, 1)]);
    expect((await exported(server, 'door_events'))[0]?.samples).toEqual([[T0 + 1_000, 1]]);
  });

  it('rejects with a clear message while the server is down, and delivers again after it restarts', async () => {
    const server = await victoria();
    const { sink, connections } = await startSink(v2(server));
    await server.stop();

    await expect(sink.send(BATCH)).rejects.toThrow(`InfluxDB ${server.url} bucket edge: write failed: connection refused`);
    expect(connections.at(-1)?.connected).toBe(false);

    await server.restart();
    await sink.send(BATCH);
    expect(await exported(server, 'door_events')).toHaveLength(1);
  });

  it('rejects after the timeout when the server accepts the connection but never answers', async () => {
    const server = await victoria();
    const { sink } = await startSink(v2(server, { timeout: '300ms' }));
    server.pause();
    try {
      await expect(sink.send(BATCH)).rejects.toThrow('bucket edge: write failed: no answer within 300 ms');
    } finally {
      server.resume();
    }
    await sink.send(BATCH);
    expect(await exported(server, 'door_events')).toHaveLength(1);
  });
});

describe('influxdb sink options', () => {
  it('default to api v2, ms precision, gzip, the {rule} measurement and a 10 s timeout', () => {
    expect(influxdbSinkOptions.parse({ driver: 'influxdb', url: 'http://127.0.0.1:8086/', org: 'o', bucket: 'b', token: 't' })).toEqual({
      driver: 'influxdb',
      api: 'v2',
      url: 'http://127.0.0.1:8086',
      org: 'o',
      bucket: 'b',
      token: 't',
      precision: 'ms',
      gzip: true,
      measurement: '{rule}',
      alerts_measurement: 'alerts',
      timeout: 10_000,
    });
  });

  it('reject an unknown placeholder, a v1 option under v2, and a missing option, naming it', () => {
    const base = { driver: 'influxdb', url: 'http://h:8086', org: 'o', bucket: 'b', token: 't' };
    expect(influxdbSinkOptions.safeParse({ ...base, measurement: '{rle}' }).success).toBe(false);
    expect(influxdbSinkOptions.safeParse({ ...base, database: 'x' }).success).toBe(false);
    expect(influxdbSinkOptions.safeParse({ driver: 'influxdb', api: 'v1', url: 'http://h:8086' }).error?.issues).toMatchObject([
      { path: ['database'] },
    ]);
    expect(influxdbSinkOptions.safeParse({ driver: 'influxdb', url: 'http://h:8086', org: 'o', token: 't' }).error?.issues).toMatchObject([
      { path: ['bucket'] },
    ]);
    expect(influxdbSinkOptions.safeParse({ ...base, api: 'v3' }).error?.issues).toMatchObject([
      { path: ['api'], message: 'api must be v1 (InfluxDB 1.x) or v2 (the default)' },
    ]);
  });

  it('accept their own sample.yaml', () => {
    const sample = parse(readFileSync(new URL('./sample.yaml', import.meta.url), 'utf8')) as { sinks: Record<string, unknown> };
    const entries = Object.values(sample.sinks);
    expect(entries.length).toBeGreaterThan(1);
    for (const entry of entries) expect(influxdbSinkOptions.parse(entry)).toMatchObject({ driver: 'influxdb' });
  });
});
