import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealBundle } from '../../agent/fleet/config-bundle.js';
import { generateKeyFiles, readPrivateKey } from '../../agent/fleet/fleet-keys.js';
import type { DeviceRow } from '../../agent/fleet/status-table.js';
import { startMosquitto, type MosquittoBroker } from '../../test/helpers/mosquitto.js';
import { tributary } from '../../test/helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { BENCH_GROUP, pushedConfig } from './bench-configs.js';
import { SimulatedDevice } from './simulated-device.js';

/** The fleet benchmark's simulated device, seen by the operator's CLI as a real device would be. */
describe('simulated fleet device', () => {
  let dir: TempDir;
  let broker: MosquittoBroker;
  let keyFile: string;
  let device: SimulatedDevice;

  beforeAll(async () => {
    dir = await makeTempDir('simulated-device');
    broker = await startMosquitto();
    keyFile = path.join(dir.path, 'fleet-key');
    const { publicKey } = generateKeyFiles(keyFile);
    device = new SimulatedDevice({ device: 'sim-1', brokerUrl: broker.url, publicKey, probationMs: 1_000, statusIntervalMs: 60_000 });
    await device.start();
  });

  afterAll(async () => {
    await device?.stop();
    await broker?.dispose();
    await dir?.remove();
  });

  const statusRows = async () => {
    const result = await tributary('fleet', 'status', '--broker', broker.url, '--json');
    return { code: result.code, rows: JSON.parse(result.stdout) as DeviceRow[] };
  };

  it('is listed by fleet status as a healthy device of its group', async () => {
    const { code, rows } = await statusRows();
    expect(rows).toMatchObject([{ device: 'sim-1', groups: [BENCH_GROUP], state: 'ok', version: 0, probation: false }]);
    expect(code).toBe(0);
  });

  it('applies a pushed config, as fleet push --canary, fleet watch and fleet status read it', async () => {
    const file = path.join(dir.path, 'pushed.yaml');
    await writeFile(file, pushedConfig('pushed_rule'));
    // The canary waits for the device to be past probation before pushing to the group: `applied` as watch reads it.
    const pushed = await tributary('fleet', 'push', '--broker', broker.url, '--key', keyFile, '--group', BENCH_GROUP, '--canary', '1', '--timeout', '20', file);
    expect(pushed.stdout).toMatch(/canary on sim-1\n/);
    expect(pushed.code, pushed.stderr).toBe(0);
    const version = Number(/version (\d+) pushed/.exec(pushed.stdout)?.[1]);
    const watched = await tributary('fleet', 'watch', '--broker', broker.url, '--group', BENCH_GROUP, '--version', String(version), '--timeout', '20');
    expect(watched.stdout).toMatch(/1 applied, 0 refused/);
    const { rows } = await statusRows();
    expect(rows[0]).toMatchObject({ state: 'ok', version, probation: false, last_change: { version, outcome: 'applied' } });
  }, 60_000);

  it('refuses a bundle signed by another key and a config that does not validate, and says why', async () => {
    const operator = await mqtt.connectAsync(broker.url);
    try {
      const stranger = generateKeyPairSync('ed25519').privateKey;
      const at = Math.floor(Date.now() / 1000) + 100;
      await operator.publishAsync(`tributary/fleet/bundle/group/${BENCH_GROUP}`, sealBundle({ version: at, target: { group: BENCH_GROUP }, action: 'apply', config: pushedConfig('x'), created_at: '' }, stranger), { qos: 1 });
      await expect.poll(async () => (await statusRows()).rows[0]?.last_change, { timeout: 10_000 }).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/not in fleet.trusted_keys/) });
      const invalid = pushedConfig('y').replace('aggregates: [count, mean, min, max]', 'aggregates: [cuont]');
      await operator.publishAsync(`tributary/fleet/bundle/device/sim-1`, sealBundle({ version: at + 1, target: { device: 'sim-1' }, action: 'apply', config: invalid, created_at: '' }, readPrivateKey(keyFile)), { qos: 1 });
      await expect.poll(async () => (await statusRows()).rows[0]?.last_change, { timeout: 10_000 }).toMatchObject({ version: at + 1, outcome: 'rejected', reason: expect.stringMatching(/^invalid config: bundle v\d+:/) });
    } finally {
      await operator.endAsync();
    }
  }, 60_000);
});
