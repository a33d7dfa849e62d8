import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRow } from '../../agent/fleet/status-table.js';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { fleetDeviceConfig, makeFleetKey, observeFleet, type FleetObserver } from '../helpers/fleet-fixture.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { eventually } from '../helpers/mqtt-recorder.js';
import { tributary } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/** The keepalive of the test device: short, so the test is; the default is 15 s. */
const KEEPALIVE_S = 2;

/**
 * A device that goes silent without closing its connection (a cut cable, a frozen process) is shown offline by its
 * Last Will, which the broker sends once it has heard nothing for 1.5 keepalives. A real agent, frozen with SIGSTOP
 * (its TCP connection stays open: the kernel still answers for it), on a real Mosquitto.
 */
describe('fleet liveness', () => {
  let dir: TempDir;
  let broker: MosquittoBroker;
  let fleet: FleetObserver;
  let agent: AgentProcess;

  beforeAll(async () => {
    dir = await makeTempDir('fleet-liveness');
    broker = await startMosquitto();
    const { publicKey } = await makeFleetKey(dir.path);
    fleet = await observeFleet(broker.url);
    const config = path.join(dir.path, 'silent.yaml');
    await writeFile(
      config,
      fleetDeviceConfig({
        device: 'silent',
        groups: ['fields'],
        publicKey,
        brokerUrl: broker.url,
        source: '{ driver: simulator, interval: 200ms, sensors: [{ name: t, base: 20 }] }',
        fleetLines: [`keepalive: ${KEEPALIVE_S}s`],
      }),
    );
    agent = startAgentProcess(config, path.join(dir.path, 'data'));
    await eventually(() => fleet.status('silent')?.online === true && fleet.status('silent')?.healthy === true, 30_000, 'the device online');
  }, 60_000);

  afterAll(async () => {
    agent?.child.kill('SIGCONT');
    agent?.child.kill('SIGKILL');
    await agent?.exited;
    await fleet?.close();
    await broker?.dispose();
    await dir?.remove();
  });

  it('shows a device frozen with its connection open offline within 1.5 keepalives, and online again once it thaws', async () => {
    const frozenAt = Date.now();
    agent.child.kill('SIGSTOP');
    await eventually(() => fleet.status('silent')?.online === false, 20_000, 'the Last Will');
    const silentFor = Date.now() - frozenAt;
    expect(fleet.status('silent')!.reason).toBe('connection lost');
    // Mosquitto gives up 1.5 keepalives after the last packet, and notices it on a check a few seconds apart (2.0.11:
    // 4.5 to 8.6 s here with 2 s, in 7 runs). mqtt.js's default keepalive of 60 s would take 90 s or more.
    expect(silentFor).toBeLessThanOrEqual(1.5 * KEEPALIVE_S * 1000 + 9_000);

    const table = await tributary('fleet', 'status', '--broker', broker.url, '--json');
    expect(table.code).toBe(1);
    const rows = JSON.parse(table.stdout) as DeviceRow[];
    expect(rows.map((row) => [row.device, row.state, row.problems])).toEqual([['silent', 'offline', ['connection lost']]]);

    agent.child.kill('SIGCONT');
    await eventually(() => fleet.status('silent')?.online === true, 20_000, 'the device back online');
  }, 40_000);
});
