import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { startInfluxd } from '../helpers/influxd.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { recordMqtt } from '../helpers/mqtt-recorder.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A backoff that would keep the backlog waiting 10-20 s after the first failed send: the sink coming back must cut it
 * short. `backfill_after: 1s` makes the outage an event.
 */
async function agentWith(sink: string): Promise<AgentProcess> {
  const dir = await makeTempDir('backlog-on-reconnect');
  cleanups.push(() => dir.remove());
  const config = path.join(dir.path, 'agent.yaml');
  await writeFile(
    config,
    [
      'agent: { http: { enabled: false }, watch_config: false }',
      'sources: { sim: { driver: simulator, interval: 100ms, sensors: [{ name: room/a, base: 20 }] } }',
      'rules:',
      '  per_second: { window: { size: 1s, allowed_lateness: 0s }, aggregates: [count] }',
      `sinks: { upstream: ${sink} }`,
      'forwarding: { retry_initial: 20s, retry_max: 30s, backfill_after: 1s }',
      '',
    ].join('\n'),
  );
  const agent = startAgentProcess(config, path.join(dir.path, 'data'));
  cleanups.push(async () => {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await agent.exited;
  });
  await agent.waitForLog(/^agent running$/);
  return agent;
}

describe('an upstream that comes back', () => {
  it('gets the backlog as soon as the MQTT broker accepts the connection again, not when the backoff ends', { timeout: 90_000 }, async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.dispose());
    const recorder = await recordMqtt(broker.url, 'tributary/#');
    cleanups.push(() => recorder.close());
    const agent = await agentWith(`{ driver: mqtt, url: "${broker.url}", reconnect_period: 200ms }`);
    await recorder.waitFor((messages) => messages.length > 0, 20_000, 'a first window');

    await broker.stop();
    await agent.waitForLog(/^sending failed; results stay buffered/);
    await sleep(2_000);
    await broker.restart();
    const back = Date.now();
    await recorder.waitFor((messages) => messages.some((m) => m.payload['backfilled'] === true), 20_000, 'the backlog');
    expect(Date.now() - back).toBeLessThan(3_000);

    // The outage event, on the topic the README names: the sink's template with rule _agent and the sink's name.
    await recorder.waitFor((messages) => messages.some((m) => m.payload['event'] === 'outage'), 5_000, 'the outage event');
    expect(recorder.messages.find((m) => m.payload['event'] === 'outage')!.topic).toBe('tributary/_agent/upstream');
  });

  it('gets the backlog within about a second of InfluxDB answering again, not when the backoff ends', { timeout: 90_000 }, async () => {
    const influx = await startInfluxd();
    cleanups.push(() => influx.dispose());
    await influx.createDatabase('farm');
    const stored = async () => {
      const response = await influx.query('SELECT count("count") FROM "per_second"', { db: 'farm' });
      return Number(response.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
    };
    const agent = await agentWith(`{ driver: influxdb, api: v1, url: "${influx.url}", database: farm, timeout: 2s }`);
    for (let deadline = Date.now() + 20_000; (await stored()) === 0; await sleep(200)) {
      if (Date.now() > deadline) throw new Error('no window stored before the outage');
    }

    await influx.stop();
    await agent.waitForLog(/^sending failed; results stay buffered/);
    await sleep(2_000);
    await influx.restart();
    const back = Date.now();
    await agent.waitForLog(/^sink accepts results again/, 20_000);
    expect(Date.now() - back).toBeLessThan(3_000);
  });
});
