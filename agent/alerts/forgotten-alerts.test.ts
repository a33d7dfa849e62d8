import path from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../../test/helpers/mosquitto.js';
import { eventually } from '../../test/helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { Agent } from '../agent.js';
import { checkConfigText } from '../config/load-config.js';
import { Operations } from '../health/operations.js';

const MINUTE = 60_000;

describe('alerts of sensors the rules forgot', () => {
  let broker: MosquittoBroker;
  let dir: TempDir;
  let agent: Agent | undefined;
  let operations: Operations | undefined;
  beforeEach(async () => {
    broker = await startMosquitto();
    dir = await makeTempDir('forgotten-alerts');
  });
  afterEach(async () => {
    await operations?.stop();
    await agent?.stop();
    await broker.dispose();
    await dir.remove();
  });

  it('lose their metric series and their saved state once silent and resolved; a firing one keeps both', async () => {
    const checked = checkConfigText(
      `
agent: { tick: 20ms, http: { listen: 127.0.0.1:0 }, forget_silent_sensors: 1m }
sources:
  devices: { driver: mqtt, url: "${broker.url}", topics: "sensors/#", strip_prefix: sensors/ }
rules:
  too_hot: { alert: { threshold: { above: 30, clear_below: 28 }, severity: critical } }
sinks:
  upstream: { driver: mqtt, url: "${broker.url}" }
# Alert state is saved at most once per spill_after: short, so the saves this test waits for come quickly.
buffer: { commit_interval: 10ms, spill_after: 200ms }
`,
      'forget.yaml',
      {},
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    let clock = Date.UTC(2024, 4, 1);
    const dataDir = path.join(dir.path, 'data');
    agent = new Agent(checked.config, { log: pino({ level: 'silent' }), dataDir, now: () => clock });
    await agent.start();
    operations = new Operations(agent, { http: checked.config.agent.http, log: pino({ level: 'silent' }), env: {} });
    await operations.start();
    const metrics = async () => (await fetch(`http://127.0.0.1:${operations!.address!.port}/metrics`)).text();
    const series = (sensor: string) => `tributary_alert_state{rule="too_hot",sensor="${sensor}",severity="critical"}`;
    /** The sensors of the alert state saved in alert-state.sqlite. */
    const saved = () => {
      const db = new Database(path.join(dataDir, 'alert-state.sqlite'), { readonly: true });
      try {
        const row = db.prepare<[], { state: string }>("SELECT state FROM alert_state WHERE rule = 'too_hot'").get();
        return row === undefined ? [] : (JSON.parse(row.state) as { alerts: { sensor: string }[] }).alerts.map((alert) => alert.sensor).sort();
      } finally {
        db.close();
      }
    };

    const device = await mqtt.connectAsync(broker.url);
    const send = (sensor: string, value: number) => device.publishAsync(`sensors/${sensor}`, String(value), { qos: 1 });
    try {
      // Until the source has subscribed, a reading goes nowhere: send a normal one until one arrives.
      for (let tries = 0; agent.readingsIn === 0 && tries < 200; tries++) {
        await send('plug-1/temperature', 25);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await send('plug-1/temperature', 35);
      await send('plug-1/temperature', 20);
      await send('plug-2/temperature', 35);
      let text = '';
      await eventually(() => saved().length === 2, 10_000, 'both alerts saved');
      for (let tries = 0; !(text = await metrics()).includes(series('plug-2/temperature')) && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(text).toContain(`${series('plug-1/temperature')} 0`);
      expect(text).toContain(`${series('plug-2/temperature')} 2`);

      // Both sensors fall silent for longer than forget_silent_sensors (and half as long again).
      clock += 2 * MINUTE;
      await eventually(() => saved().length === 1, 10_000, 'the resolved alert no longer saved');
      expect(saved()).toEqual(['plug-2/temperature']);
      text = await metrics();
      expect(text).not.toContain(series('plug-1/temperature'));
      expect(text).toContain(`${series('plug-2/temperature')} 2`);
    } finally {
      await device.endAsync();
    }
  });
});
