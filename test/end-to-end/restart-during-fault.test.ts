import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../agent/health/health-report.js';
import type { AlertTrackerSnapshot } from '../../rules/anomaly/alert-tracker.js';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { freePort } from '../helpers/free-port.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { eventually, recordMqtt } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/**
 * A real agent process with `anomaly: {}` on a pump's pressure from real Mosquitto, killed while a persistent fault
 * fires and started again: the alert keeps firing while the readings stay at the fault's level, although the restarted
 * detector learns nothing else, and resolves once they are back where they were before the fault.
 */
describe('restarting the agent during a persistent fault', () => {
  let dir: TempDir;
  let broker: MosquittoBroker;
  let agent: AgentProcess | undefined;
  let device: MqttClient | undefined;
  beforeEach(async () => {
    dir = await makeTempDir('restart-fault');
    broker = await startMosquitto();
  });
  afterEach(async () => {
    agent?.child.kill('SIGKILL');
    await agent?.exited;
    agent = undefined;
    await device?.endAsync(true);
    await broker.dispose();
    await dir.remove();
  });

  it('keeps the alert firing through a restart and past min_readings at the shifted level, and resolves it when the readings return', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = path.join(dir.path, 'pump.yaml');
    // A small window, so the band before the fault is kept after 60 readings; silence is not what this is about.
    await writeFile(
      config,
      `
agent: { tick: 50ms, http: { listen: "127.0.0.1:${port}" } }
sources:
  rig: { driver: mqtt, url: "${broker.url}", topics: "rig/#", strip_prefix: rig/ }
rules:
  pump_odd:
    from: rig
    anomaly: { min_readings: 30, window: 60, pattern: 0, hold: 20, missing_factor: 1000000 }
sinks:
  upstream: { driver: mqtt, url: "${broker.url}", topic: "out/{rule}/{sensor}" }
buffer: { commit_interval: 10ms }
`,
    );
    const data = path.join(dir.path, 'data');
    agent = startAgentProcess(config, data);
    await agent.waitForLog(/health and metrics on/, 30_000);
    const upstream = await recordMqtt(broker.url, 'out/#');
    device = await mqtt.connectAsync(broker.url);
    const health = async () => (await (await fetch(`${url}/healthz`)).json()) as HealthReport;
    const send = async (level: number, count: number) => {
      for (let i = 0; i < count; i++) {
        await device!.publishAsync('rig/pump/pressure', String(level + 0.01 * ((i * 7) % 5)), { qos: 1 });
        await new Promise((resolve) => setTimeout(resolve, 4));
      }
    };
    /** Waits until the agent has taken `count` readings since it started. */
    const taken = async (count: number) => {
      const deadline = Date.now() + 20_000;
      while ((await health()).readings_in < count) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} readings`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const alerts = () => upstream.messages.filter((m) => m.topic.endsWith('/alert')).map((m) => m.payload);
    /** The band saved with the firing alert in alert-state.sqlite, once it is there. */
    const savedBand = () => {
      const db = new Database(path.join(data, 'alert-state.sqlite'), { readonly: true });
      try {
        const row = db.prepare<[], { state: string }>("SELECT state FROM alert_state WHERE rule = 'pump_odd'").get();
        return row && (JSON.parse(row.state) as AlertTrackerSnapshot).alerts.find((a) => a.lifecycle.state === 'firing')?.detector;
      } finally {
        db.close();
      }
    };

    // Until the source has subscribed, a reading goes nowhere: send until one arrives.
    for (let tries = 0; (await health()).readings_in === 0 && tries < 100; tries++) await send(4, 1);
    await send(4, 80);
    // The valve closes part-way.
    await send(3, 5);
    await eventually(() => alerts().some((a) => a.state === 'firing'), 20_000, 'the alert firing upstream');
    await eventually(() => savedBand() !== undefined, 20_000, 'the band saved with the firing alert');
    expect(savedBand()).toEqual({ bandLow: expect.closeTo(4, 0) as number, bandHigh: expect.closeTo(4, 0) as number });

    // A power cut: nothing is saved at stop.
    agent.child.kill('SIGKILL');
    await agent.exited;
    agent = startAgentProcess(config, data);
    await agent.waitForLog(/health and metrics on/, 30_000);
    expect((await health()).alerts).toEqual([expect.objectContaining({ rule: 'pump_odd', sensor: 'pump/pressure', state: 'firing' })]);

    // Still at 3 bar, twice min_readings and all of the window: the restarted detector knows no other level.
    for (let tries = 0; (await health()).readings_in === 0 && tries < 100; tries++) await send(3, 1);
    const resubscribed = (await health()).readings_in;
    await send(3, 60);
    await taken(resubscribed + 60);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await health()).alerts).toEqual([expect.objectContaining({ sensor: 'pump/pressure', state: 'firing' })]);
    expect(alerts().map((a) => a.state)).toEqual(['firing']);

    // Back to 4 bar: resolved `hold` (20) readings later, as the condition clearing (no resolution).
    await send(4, 40);
    await eventually(() => alerts().length === 2, 20_000, 'the alert resolved upstream');
    expect(alerts()[1]).toMatchObject({ rule: 'pump_odd', source: 'rig', sensor: 'pump/pressure', state: 'resolved', previous: 'firing' });
    expect(alerts()[1]!.resolution).toBeUndefined();
    expect(alerts()[1]!.message).toMatch(/^pump\/pressure back to normal: 4/);
    await upstream.close();
  }, 90_000);
});
