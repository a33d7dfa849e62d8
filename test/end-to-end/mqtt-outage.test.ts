import { afterEach, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../helpers/agent-process.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { recordMqtt } from '../helpers/mqtt-recorder.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { BUFFER_MODES, expectedWindows, outageConfig, sleep, startPublisher } from './outage-fixture.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each(BUFFER_MODES)('a 60 s outage of the upstream MQTT broker, buffer $mode', ({ spillAfter }) => {
  it('delivers every window of readings arriving at 100/s, in order, none lost, duplicates only as the same id', { timeout: 240_000 }, async () => {
    // Devices publish to a broker on the Pi, which stays up; results go to an upstream broker, which goes away.
    const devices = await startMosquitto();
    cleanups.push(() => devices.dispose());
    const upstream = await startMosquitto();
    cleanups.push(() => upstream.dispose());
    const dir = await makeTempDir('mqtt-outage');
    cleanups.push(() => dir.remove());
    const config = outageConfig(dir.path, devices.url, `  upstream: { driver: mqtt, url: ${upstream.url}, reconnect_period: 200ms }`, spillAfter);
    const recorder = await recordMqtt(upstream.url, 'tributary/#');
    cleanups.push(() => recorder.close());

    const agent = startAgentProcess(config, `${dir.path}/data`);
    cleanups.push(async () => {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
      await agent.exited;
    });
    await agent.waitForLog(/^agent running$/);
    await sleep(1_000); // the source's subscription is live shortly after start
    const device = await startPublisher(devices.url);
    cleanups.push(() => device.stop());

    await recorder.waitFor((messages) => messages.length >= 5, 30_000, 'results before the outage');
    await upstream.stop();
    const outageStart = Date.now();
    await sleep(60_000);
    await upstream.restart();
    await sleep(5_000);
    await device.stop();
    const expected = expectedWindows(device.published);
    const windowStarts = [...expected.keys()].sort((a, b) => a - b);

    // Every window, including the last ones closed after the device stopped (lateness 2 s).
    await recorder.waitFor(
      (messages) => new Set(messages.filter((m) => m.payload['rule'] === 'rooms').map((m) => m.payload['start'])).size >= expected.size,
      60_000,
      `all ${expected.size} windows`,
    );
    const windows = recorder.messages.filter((m) => m.payload['rule'] === 'rooms').map((m) => m.payload);
    const byId = new Map<string, Record<string, unknown>[]>();
    for (const window of windows) byId.set(String(window['id']), [...(byId.get(String(window['id'])) ?? []), window]);
    // A resend after the reconnect may repeat a message: then it is the same result, with the same id and seq.
    for (const copies of byId.values()) for (const copy of copies) expect(copy).toEqual(copies[0]);
    const delivered = new Map([...byId.values()].map(([window]) => [Number(window!['start']), { count: window!['count'], sum: window!['sum'] }]));
    expect(byId.size).toBe(expected.size);
    expect([...delivered.keys()].sort((a, b) => a - b)).toEqual(windowStarts);
    expect(Object.fromEntries(delivered)).toEqual(Object.fromEntries(expected));
    expect([...expected.values()].reduce((n, w) => n + w.count, 0)).toBe(device.published.length);
    // In order: each result first arrives after every result numbered before it (a resend may repeat older ones).
    const firstArrivals = [...new Map(windows.map((w) => [String(w['id']), Number(w['seq'])])).values()];
    expect(firstArrivals).toEqual([...firstArrivals].sort((a, b) => a - b));

    // Windows closed during the outage were sent late, flagged, with their own times; the outage itself is an event.
    const late = [...byId.values()].map(([w]) => w!).filter((w) => w['backfilled'] === true);
    expect(late.length).toBeGreaterThanOrEqual(40);
    expect(late.every((w) => Number(w['start']) >= outageStart - 15_000)).toBe(true);
    await recorder.waitFor((messages) => messages.some((m) => m.payload['event'] === 'outage'), 30_000, 'the outage event');
    const outage = recorder.messages.find((m) => m.payload['event'] === 'outage')!.payload;
    expect(outage).toMatchObject({ rule: '_agent', sensor: 'upstream' });
    expect(Number(outage['end']) - Number(outage['timestamp'])).toBeGreaterThanOrEqual(55_000);
    expect(Number(outage['held'])).toBeGreaterThanOrEqual(50);

    agent.child.kill('SIGTERM');
    expect(await agent.exited).toMatchObject({ code: 0 });
  });
});
