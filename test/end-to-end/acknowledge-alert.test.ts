import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { eventually, recordMqtt } from '../helpers/mqtt-recorder.js';
import { tributary } from '../helpers/run-cli.js';
import { usePumpRig } from './pump-rig-fixture.js';

const ACK_TOPIC = `tributary/${hostname()}/command/alerts/ack`;

/**
 * A real agent process reading a pump's sensors from real Mosquitto, with `anomaly: {}` alerts: a level shift fires,
 * stays firing, and a person acknowledges it with `tributary alerts ack` (over the health server) or over MQTT.
 */
describe('acknowledging a firing alert', () => {
  const startRig = usePumpRig('ack');

  it('resolves it with resolution acknowledged at the sinks, over HTTP and over MQTT, keeps it after a restart, and does not page again on the same level', async () => {
    // Readings come in bursts here, milliseconds apart: silence (missing data) is not what this test is about.
    const rig = await startRig('{ min_readings: 30, window: 200, pattern: 0, missing_factor: 1000000 }', [/alerts can be acknowledged over MQTT/, /agent running/]);
    const { broker, device, health, url } = rig;
    const upstream = await recordMqtt(broker.url, 'out/#');
    const answers = await recordMqtt(broker.url, `${ACK_TOPIC}/result`);
    const send = async (level: number, count: number) => {
      for (let i = 0; i < count; i++) {
        const wobble = 0.01 * ((i * 7) % 5);
        await device.publishAsync('rig/pump/pressure', String(level + wobble), { qos: 1 });
        await device.publishAsync('rig/pump/flow', String(10 * level + wobble), { qos: 1 });
        // A few ms apart, so the usual interval is not 0 and silence is judged against a real one.
        await new Promise((resolve) => setTimeout(resolve, 4));
      }
    };
    // Until the source has subscribed, a reading goes nowhere: send until one arrives.
    for (let tries = 0; (await health()).readings_in === 0 && tries < 100; tries++) await send(4, 1);
    await send(4, 60);
    // The valve closes part-way: both sensors leave their band and stay out.
    await send(3, 5);
    // Each transition, on the sink's alert topic (its retained `…/alert/state` copy left aside).
    const alerts = () => upstream.messages.filter((m) => m.topic.endsWith('/alert')).map((m) => m.payload);
    await eventually(() => alerts().filter((a) => a.state === 'firing').length === 2, 20_000, 'both alerts firing upstream');

    // Over the health server, as a person at the Pi would.
    const acked = await tributary('alerts', 'ack', 'pump_odd', 'pump/pressure', '--url', url);
    expect(acked).toMatchObject({ code: 0 });
    expect(acked.stdout).toMatch(/^acknowledged pump_odd rig\/pump\/pressure: pump\/pressure acknowledged at 3/);
    await eventually(() => alerts().some((a) => a.sensor === 'pump/pressure' && a.state === 'resolved'), 20_000, 'the acknowledgement upstream');
    expect(alerts().find((a) => a.sensor === 'pump/pressure' && a.state === 'resolved')).toMatchObject({
      rule: 'pump_odd',
      source: 'rig',
      previous: 'firing',
      resolution: 'acknowledged',
      detector: 'anomaly',
    });
    const again = await tributary('alerts', 'ack', 'pump_odd', 'pump/pressure', '--url', url);
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toBe('tributary alerts: the alert of rule pump_odd for pump/pressure is resolved, not firing: nothing to acknowledge\n');
    const unknown = await tributary('alerts', 'ack', 'pump_od', 'pump/pressure', '--url', url);
    expect(unknown).toMatchObject({ code: 1, stderr: 'tributary alerts: no rule named pump_od\n' });
    const badBody = await fetch(`${url}/alerts/ack`, { method: 'POST', body: '{"rule": 1}' });
    expect(badBody.status).toBe(400);

    // Over MQTT: a payload that is not an acknowledgement is answered and counted, then a real one.
    await device.publishAsync(ACK_TOPIC, 'ack everything', { qos: 1 });
    await device.publishAsync(ACK_TOPIC, JSON.stringify({ rule: 'pump_odd', sensor: 'pump/flow' }), { qos: 1 });
    await answers.waitFor((messages) => messages.length === 2, 20_000, 'two answers');
    expect(answers.messages.map((m) => m.payload)).toEqual([
      { ok: false, error: 'not JSON; expected JSON such as {"rule": "pump_odd", "sensor": "pump/pressure"}' },
      { ok: true, rule: 'pump_odd', source: 'rig', sensor: 'pump/flow', message: expect.stringMatching(/^pump\/flow acknowledged at 30/) },
    ]);
    await eventually(() => alerts().some((a) => a.sensor === 'pump/flow' && a.resolution === 'acknowledged'), 20_000, 'the MQTT acknowledgement upstream');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/alert-command-invalid/);

    // Still at the shifted level: nothing pages again; both are listed as acknowledged (until their next episode).
    await send(3, 40);
    const report = await health();
    expect(report.alerts).toEqual([
      expect.objectContaining({ rule: 'pump_odd', source: 'rig', sensor: 'pump/pressure', state: 'resolved', resolution: 'acknowledged' }),
      expect.objectContaining({ rule: 'pump_odd', source: 'rig', sensor: 'pump/flow', state: 'resolved', resolution: 'acknowledged' }),
    ]);
    const status = await tributary('status', '--url', url);
    expect(status.stdout).toMatch(/pump_odd\s+rig\/pump\/pressure\s+resolved: acknowledged/);
    expect(alerts().map((a) => `${a.sensor} ${a.state}`)).toEqual(['pump/pressure firing', 'pump/flow firing', 'pump/pressure resolved', 'pump/flow resolved']);

    // A restart keeps the acknowledgement: the same level does not page when the agent comes back.
    await rig.restart('SIGTERM');
    expect((await health()).alerts).toEqual([
      expect.objectContaining({ sensor: 'pump/pressure', state: 'resolved', resolution: 'acknowledged' }),
      expect.objectContaining({ sensor: 'pump/flow', state: 'resolved', resolution: 'acknowledged' }),
    ]);
    await send(3, 40);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alerts()).toHaveLength(4);
    await upstream.close();
    await answers.close();
  }, 90_000);
});
