import { afterEach, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../helpers/agent-process.js';
import { startInfluxd, type Influxd } from '../helpers/influxd.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { BUFFER_MODES, expectedWindows, outageConfig, sleep, startPublisher } from './outage-fixture.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function storedWindows(server: Influxd): Promise<Map<number, { count: number; sum: number }>> {
  const response = await server.query('SELECT "count", "sum" FROM "rooms" ORDER BY time', { db: 'farm', epoch: 'ms' });
  const rows = response.results[0]?.series?.[0]?.values ?? [];
  return new Map(rows.map(([time, count, sum]) => [Number(time), { count: Number(count), sum: Number(sum) }]));
}

describe.each(BUFFER_MODES)('a 60 s outage of InfluxDB, buffer $mode', ({ spillAfter }) => {
  it('stores every window of readings arriving at 100/s at its own time once InfluxDB is back, and marks the outage', { timeout: 240_000 }, async () => {
    const devices = await startMosquitto();
    cleanups.push(() => devices.dispose());
    const influx = await startInfluxd();
    cleanups.push(() => influx.dispose());
    await influx.createDatabase('farm');
    const dir = await makeTempDir('influxdb-outage');
    cleanups.push(() => dir.remove());
    const config = outageConfig(dir.path, devices.url, `  influx: { driver: influxdb, api: v1, url: ${influx.url}, database: farm, timeout: 2s }`, spillAfter);

    const agent = startAgentProcess(config, `${dir.path}/data`);
    cleanups.push(async () => {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
      await agent.exited;
    });
    await agent.waitForLog(/^agent running$/);
    await sleep(1_000);
    const device = await startPublisher(devices.url);
    cleanups.push(() => device.stop());

    const deadline = Date.now() + 30_000;
    while ((await storedWindows(influx)).size < 5) {
      if (Date.now() > deadline) throw new Error('no windows stored before the outage');
      await sleep(200);
    }
    await influx.stop();
    const outageStart = Date.now();
    await sleep(60_000);
    await influx.restart();
    await sleep(5_000);
    await device.stop();
    const expected = expectedWindows(device.published);

    // Points are keyed by series and time: a batch resent after a failed answer overwrites itself, so the
    // stored set is exactly the expected one, neither more nor less.
    const end = Date.now() + 60_000;
    let stored = await storedWindows(influx);
    while (stored.size < expected.size && Date.now() < end) {
      await sleep(500);
      stored = await storedWindows(influx);
    }
    expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(expected));
    expect([...stored.values()].reduce((n, w) => n + w.count, 0)).toBe(device.published.length);

    // One annotation for the outage, from about when InfluxDB went away to when it was back.
    let events = await influx.query('SELECT "end", "held", "message" FROM "tributary_events"', { db: 'farm', epoch: 'ms' });
    const eventDeadline = Date.now() + 20_000;
    while (events.results[0]?.series === undefined && Date.now() < eventDeadline) {
      await sleep(500);
      events = await influx.query('SELECT "end", "held", "message" FROM "tributary_events"', { db: 'farm', epoch: 'ms' });
    }
    const [row] = events.results[0]!.series![0]!.values;
    const [start, finish, held, message] = row as [number, number, number, string];
    expect(start).toBeGreaterThanOrEqual(outageStart - 2_000);
    expect(finish - start).toBeGreaterThanOrEqual(55_000);
    expect(held).toBeGreaterThanOrEqual(50);
    // The failure is noticed at the first send after the stop, so the outage can read a second short of a minute.
    expect(message).toMatch(/^sink influx unreachable for (5\d s|1 min( \d+ s)?); \d+ results held back and sent late$/);
    const warned = agent.logs().filter((line) => line['msg'] === 'sending failed; results stay buffered and are retried');
    expect(warned).toHaveLength(1); // once per outage, not once per retry

    agent.child.kill('SIGTERM');
    expect(await agent.exited).toMatchObject({ code: 0 });
  });
});
