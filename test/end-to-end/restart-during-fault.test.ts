import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AlertTrackerSnapshot } from '../../rules/anomaly/alert-tracker.js';
import { eventually, recordMqtt } from '../helpers/mqtt-recorder.js';
import { usePumpRig } from './pump-rig-fixture.js';

/**
 * A real agent process with `anomaly: {}` on a pump's pressure from real Mosquitto, killed while a persistent fault
 * fires and started again: the alert keeps firing while the readings stay at the fault's level, although the restarted
 * detector learns nothing else, and resolves once they are back where they were before the fault.
 */
describe('restarting the agent during a persistent fault', () => {
  const startRig = usePumpRig('restart-fault');

  it('keeps the alert firing through a restart and past min_readings at the shifted level, and resolves it when the readings return', async () => {
    // A small window, so the band before the fault is kept after 60 readings; silence is not what this is about.
    const rig = await startRig('{ min_readings: 30, window: 60, pattern: 0, hold: 20, missing_factor: 1000000 }');
    const { broker, device, health } = rig;
    const data = rig.dataDir;
    const upstream = await recordMqtt(broker.url, 'out/#');
    const send = async (level: number, count: number) => {
      for (let i = 0; i < count; i++) {
        await device.publishAsync('rig/pump/pressure', String(level + 0.01 * ((i * 7) % 5)), { qos: 1 });
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
    await rig.restart('SIGKILL');
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
