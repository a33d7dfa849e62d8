import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { fleetDeviceConfig, makeFleetKey, observeFleet, pushFleetConfig, type FleetObserver } from '../helpers/fleet-fixture.js';
import { freePort } from '../helpers/free-port.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { eventually } from '../helpers/mqtt-recorder.js';
import { startNotifySocket, type NotifySocket } from '../helpers/notify-socket.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const SIMULATOR = '{ driver: simulator, interval: 100ms, sensors: [{ name: t, base: 20 }] }';

/**
 * One real agent as a fleet device, under a stand-in for systemd's notify socket, on a real Mosquitto: a pushed config
 * that restarts the agent in the process tells systemd it reloads; one whose rule cannot compute the live readings
 * is rolled back within probation (4 s), one that can is kept.
 */
describe('fleet probation and the restart of a pushed config', () => {
  let dir: TempDir;
  let broker: MosquittoBroker;
  let socket: NotifySocket;
  let key: string;
  let fleet: FleetObserver;
  let agent: AgentProcess;
  let metricsUrl: string;

  /** A config to push: the simulator, the rules given, two console sinks, its health server on `metricsUrl`. */
  const pushed = (rules: string) => `
agent: { tick: 100ms, http: { listen: "${new URL(metricsUrl).host}" } }
sources:
  feed: ${SIMULATOR}
rules:
${rules}
sinks:
  out: { driver: console }
  copy: { driver: console }
`;
  const push = async (name: string, text: string) => {
    const result = await pushFleetConfig(dir.path, name, text, ['--broker', broker.url, '--key', key, '--group', 'pumps']);
    expect(result.code, result.stderr).toBe(0);
    return Number(/version (\d+) pushed/.exec(result.stdout)?.[1]);
  };
  const status = () => fleet.status('pump-1');
  const withField = (field: string) => socket.messages.filter((message) => field in message.fields);
  const metrics = async () => (await fetch(`${metricsUrl}/metrics`).catch(() => undefined))?.text();

  beforeAll(async () => {
    dir = await makeTempDir('fleet-probation');
    broker = await startMosquitto();
    socket = await startNotifySocket(dir.path);
    let publicKey: string;
    ({ keyFile: key, publicKey } = await makeFleetKey(dir.path));
    metricsUrl = `http://127.0.0.1:${await freePort()}`;
    fleet = await observeFleet(broker.url);
    const config = path.join(dir.path, 'pump-1.yaml');
    await writeFile(config, fleetDeviceConfig({ device: 'pump-1', groups: ['pumps'], publicKey, brokerUrl: broker.url, source: SIMULATOR }));
    agent = startAgentProcess(config, path.join(dir.path, 'data'), { NOTIFY_SOCKET: socket.path });
    await eventually(() => status()?.online === true && status()?.healthy === true, 30_000, 'the device online and healthy');
    await socket.waitFor(() => withField('READY').length === 1, 10_000, 'READY=1');
  }, 60_000);

  afterAll(async () => {
    agent?.child.kill('SIGKILL');
    await agent?.exited;
    await fleet?.close();
    await socket?.dispose();
    await broker?.dispose();
    await dir?.remove();
  });

  let healthy = 0;
  it('restarts the agent in the process for a config that changes its sinks, telling systemd RELOADING=1 then READY=1, and keeps a config whose rules compute', async () => {
    healthy = await push('healthy', pushed('  doubled: { from: feed, transform: [{ expression: "value * 2" }], window: { type: tumbling, size: 1s }, aggregates: [mean] }'));
    await agent.waitForLog(/fleet: restarting the agent on a new config/, 20_000);
    await socket.waitFor(() => withField('READY').length === 2, 20_000, 'READY=1 after the restart');
    const reloading = withField('RELOADING');
    expect(reloading.map((message) => message.fields.RELOADING)).toEqual(['1']);
    expect(Number(reloading[0]!.fields.MONOTONIC_USEC)).toBeGreaterThan(0);
    expect(socket.messages.indexOf(reloading[0]!)).toBeLessThan(socket.messages.indexOf(withField('READY')[1]!));
    // The service went on: systemd must not see it stopping.
    expect(withField('STOPPING')).toEqual([]);

    // Past its probation on this version: no rule error, nothing rolled back.
    await eventually(() => status()?.config_version === healthy && status()?.probation === false, 30_000, 'past probation');
    expect(status()!.last_change).toMatchObject({ version: healthy, outcome: 'applied' });
    expect(await metrics()).toMatch(/^tributary_rule_errors_total\{rule="doubled"\} 0$/m);
  }, 60_000);

  it('rolls back within probation when a rule of the pushed config cannot compute the live readings, and says why', async () => {
    // log of a negative number: NaN for every reading of the simulator (about 20). Only rules differ: a hot reload.
    const broken = await push(
      'broken',
      pushed(
        [
          '  doubled: { from: feed, transform: [{ expression: "value * 2" }], window: { type: tumbling, size: 1s }, aggregates: [mean] }',
          '  broken: { from: feed, transform: [{ expression: "log(value - 1000)" }], window: { type: tumbling, size: 1s }, aggregates: [mean] }',
        ].join('\n'),
      ),
    );
    // Counted while it runs: in /metrics.
    let counted = false;
    for (const deadline = Date.now() + 10_000; !counted && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      counted = /^tributary_rule_errors_total\{rule="broken"\} [1-9]\d*$/m.test((await metrics()) ?? '');
    }
    expect(counted, 'rule errors of rule broken in /metrics').toBe(true);
    // And in the journal, with what to look at.
    const logged = await agent.waitForLog(/^rule broken: \d+ reading\(s\) it could not compute and dropped \(an expression or derive formula gave NaN or infinity\)$/, 10_000);
    expect(logged).toMatchObject({ rule: 'broken' });
    await eventually(() => status()?.last_change?.version === broken && status()?.last_change?.outcome === 'rolled-back', 20_000, 'rolled back');
    expect(status()!.last_change!.reason).toMatch(/^probation: rule broken: \d+ reading\(s\) it could not compute since the new config .*; it made no errors before; back to version \d+$/);
    expect(status()!.last_change!.running).toBe(healthy);
    await eventually(() => status()?.config_version === healthy && status()?.healthy === true, 20_000, 'back on the healthy version');
    expect(await metrics()).not.toMatch(/rule="broken"/);
  }, 60_000);
});
