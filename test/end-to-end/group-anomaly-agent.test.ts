import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { checkConfigText } from '../../agent/config/load-config.js';
import type { AlertResult } from '../../rules/rule-result.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { eventually, recordMqtt } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/**
 * The sample pump (drivers/simulator/pump-sample.yaml) sped up 100×: a reading every 10 ms, the valve closing 20 s
 * after the start for 10 s, a learning period of 1000 rows (10 s, or longer when timers run late under load).
 */
const PUMP = `
    driver: simulator
    interval: 10ms
    seed: 42
    sensors:
      - { name: pump/speed, base: 1450, signal: random_walk, step: 15, reversion: 0.02, noise: 2 }
      - { name: pump/flow, base: 40, noise: 0.3, follows: { sensor: pump/speed, gain: 0.04 } }
      - { name: pump/pressure, base: 3, noise: 0.03, follows: { sensor: pump/speed, gain: 0.002 } }
      - { name: pump/current, base: 12, noise: 0.1, follows: { sensor: pump/speed, gain: 0.01 } }
      - { name: pump/vibration, base: 2.5, noise: 0.1, min: 0, follows: { sensor: pump/speed, gain: 0.004 } }
    faults:
      - { name: valve_closing, after: 20s, duration: 10s, ramp: 1200ms, shift: { pump/flow: -1.2, pump/pressure: 0.06, pump/current: 0.3 } }`;

describe('group anomaly in a running agent', () => {
  let dir: TempDir;
  let broker: MosquittoBroker;
  beforeEach(async () => {
    dir = await makeTempDir('group-agent');
    broker = await startMosquitto();
  });
  afterEach(async () => {
    await broker.dispose();
    await dir.remove();
  });

  it('learns the simulated pump, fires one alert for the valve closing, and delivers it to the MQTT sink', async () => {
    const checked = checkConfigText(
      `
agent: { tick: 50ms, http: { enabled: false } }
sources:
  pump:${PUMP}
rules:
  pump_together:
    from: pump
    alert:
      anomaly: { across: [pump/flow, pump/pressure, pump/current, pump/vibration], learn: 1000 }
      keep_firing_for: 500ms
sinks:
  upstream: { driver: mqtt, url: "${broker.url}", topic: "out/{rule}/{sensor}" }
`,
      'group.yaml',
      {},
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    const upstream = await recordMqtt(broker.url, 'out/#');
    const agent = new Agent(checked.config, { log: pino({ level: 'silent' }), dataDir: path.join(dir.path, 'data') });
    const alerts: AlertResult[] = [];
    agent.tap.onResult((result) => result.kind === 'alert' && alerts.push(result));
    const started = Date.now();
    try {
      await agent.start();
      await eventually(() => upstream.messages.some((m) => m.payload.state === 'firing'), 45_000, 'the group alert at the MQTT sink');
      const firedAfter = alerts.find((alert) => alert.state === 'firing')!.timestamp - started;
      // Not while learning or before the fault (20 s in), and within the fault's first seconds.
      expect(firedAfter).toBeGreaterThan(20_000);
      expect(firedAfter).toBeLessThan(28_000);
      const message = upstream.messages.find((m) => m.payload.state === 'firing')!;
      expect(message.topic).toBe('out/pump_together/pump/alert'); // the MQTT sink's topic for alerts
      expect(message.payload).toMatchObject({ rule: 'pump_together', source: 'pump', sensor: 'pump', detector: 'anomaly', state: 'firing' });
      // Named early in the valve's ramp, beside the noise every sensor adds: at least two of the three it moves.
      const text = String(message.payload.message);
      expect(text).toMatch(/^pump: relationship broken: pump\/\w+ \d+%, pump\/\w+ \d+%, pump\/\w+ \d+% \(score \d+\.\d\)$/);
      expect(['pump/flow', 'pump/pressure', 'pump/current'].filter((sensor) => text.includes(sensor)).length).toBeGreaterThanOrEqual(2);
      // The valve opens again 30 s in: the alert resolves.
      await eventually(() => alerts.some((alert) => alert.state === 'resolved'), 20_000, 'the group alert resolved after the fault');
      expect(alerts.map((alert) => alert.state)).toEqual(['firing', 'resolved']);
    } finally {
      await agent.stop();
      await upstream.close();
    }
  }, 90_000);
});
