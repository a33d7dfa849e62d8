import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { checkConfigText } from '../../agent/config/load-config.js';
import type { AlertResult } from '../../rules/rule-result.js';
import { FakeGpioBus } from '../helpers/fake-gpio.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { eventually, recordMqtt } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/** A Raspberry Pi 4's GPIO header as sysfs shows it, in a temp dir: the hardware part that cannot exist here. */
async function pi4Sysfs(root: string): Promise<string> {
  const chipPath = path.join(root, 'gpio');
  await mkdir(path.join(chipPath, 'gpiochip512'), { recursive: true });
  await writeFile(path.join(chipPath, 'export'), '');
  await writeFile(path.join(chipPath, 'gpiochip512', 'base'), '512\n');
  await writeFile(path.join(chipPath, 'gpiochip512', 'ngpio'), '58\n');
  await writeFile(path.join(chipPath, 'gpiochip512', 'label'), 'pinctrl-bcm2711\n');
  return chipPath;
}

describe('alerts through the agent', () => {
  let dir: TempDir;
  let broker: MosquittoBroker;
  beforeEach(async () => {
    dir = await makeTempDir('alerts');
    broker = await startMosquitto();
  });
  afterEach(async () => {
    await broker.dispose();
    await dir.remove();
  });

  it('fire once, switch the relay, reach the sink, and survive a restart without firing again', async () => {
    const chipPath = await pi4Sysfs(dir.path);
    const checked = checkConfigText(
      `
agent: { tick: 50ms, http: { enabled: false } }
sources:
  devices: { driver: mqtt, url: "${broker.url}", topics: "sensors/#", strip_prefix: sensors/ }
rules:
  too_hot:
    from: devices
    select: greenhouse/temperature
    alert:
      threshold: { above: 30, clear_below: 28 }
      for: 300ms
      message: "{{sensor}} at {{value}} °C"
      gpio: { pin: 17, chip_path: "${chipPath}" }
sinks:
  upstream: { driver: mqtt, url: "${broker.url}", topic: "out/{rule}/{sensor}" }
`,
      'alerts.yaml',
      {},
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    const bus = new FakeGpioBus();
    const start = async () => {
      const agent = new Agent(checked.config, { log: pino({ level: 'silent' }), dataDir: path.join(dir.path, 'data'), gpioPortFactory: bus.load });
      const alerts: AlertResult[] = [];
      agent.tap.onResult((result) => result.kind === 'alert' && alerts.push(result));
      await agent.start();
      return { agent, alerts };
    };
    const upstream = await recordMqtt(broker.url, 'out/#');
    const device = await mqtt.connectAsync(broker.url);
    const send = (value: number) => device.publishAsync('sensors/greenhouse/temperature', String(value), { qos: 1 });
    try {
      const first = await start();
      // Until the source has subscribed, a reading goes nowhere: send a normal one until one arrives.
      for (let tries = 0; first.agent.readingsIn === 0 && tries < 200; tries++) {
        await send(25);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await send(31);
      await eventually(() => first.alerts.some((a) => a.state === 'firing'), 10_000, 'the alert firing after for: 300ms');
      // A reading that stays hot does not fire again: one event per transition.
      await send(32);
      await eventually(() => upstream.messages.some((m) => m.payload.state === 'firing'), 10_000, 'the firing alert upstream');
      expect(first.alerts.map((a) => a.state)).toEqual(['pending', 'firing']);
      const relay = bus.port(529); // BCM 17 on a chip based at 512
      expect(relay.value).toBe(1);
      const firing = upstream.messages.find((m) => m.payload.state === 'firing')!.payload;
      expect(firing).toMatchObject({ rule: 'too_hot', sensor: 'greenhouse/temperature', state: 'firing', previous: 'pending', message: 'greenhouse/temperature at 31 °C' });
      await first.agent.stop();
      expect(relay.value).toBe(0); // switched off when the agent stops

      // After a restart the alert is still firing: the relay is on again and nothing fires anew.
      const second = await start();
      const reopened = bus.port(529);
      await eventually(() => reopened.value === 1, 5_000, 'the relay on again after the restart');
      for (let tries = 0; second.agent.readingsIn === 0 && tries < 200; tries++) {
        await send(33);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await send(27);
      await eventually(() => second.alerts.some((a) => a.state === 'resolved'), 10_000, 'the alert resolved');
      expect(second.alerts.map((a) => [a.previous, a.state])).toEqual([['firing', 'resolved']]);
      await eventually(() => reopened.value === 0, 5_000, 'the relay off once resolved');
      await second.agent.stop();
    } finally {
      await device.endAsync();
      await upstream.close();
    }
  });
});
