import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sealBundle } from '../../agent/fleet/config-bundle.js';
import { readPrivateKey } from '../../agent/fleet/fleet-keys.js';
import type { DeviceRow } from '../../agent/fleet/status-table.js';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { FLEET_PREFIX as PREFIX, fleetDeviceConfig, makeFleetKey, observeFleet, pushableConfig, pushFleetConfig, type FleetObserver } from '../helpers/fleet-fixture.js';
import { freePort } from '../helpers/free-port.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { eventually } from '../helpers/mqtt-recorder.js';
import { startNatsCluster } from '../helpers/nats-cluster.js';
import { tributary } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/** The broker (or broker cluster) a fleet runs on, as the test sees it. */
interface FleetBrokerFixture {
  /** Where the operator's CLI, the observer and the devices' data sources connect. */
  readonly url: string;
  /** The broker the device started `index`-th connects to: on a cluster, the devices are spread over its nodes. */
  deviceUrl(index: number): string;
  /** The broker's own log, for a failed test's message. */
  log(): string;
  dispose(): Promise<void>;
}

const BROKERS: [string, () => Promise<FleetBrokerFixture>][] = [
  [
    'Mosquitto',
    async () => {
      const broker = await startMosquitto();
      return { url: broker.url, deviceUrl: () => broker.url, log: () => '', dispose: () => broker.dispose() };
    },
  ],
  [
    'a 3-node NATS cluster',
    async () => {
      const cluster = await startNatsCluster();
      return { url: cluster.mqttUrls[0]!, deviceUrl: (index) => cluster.mqttUrls[index % cluster.mqttUrls.length]!, log: () => cluster.log(), dispose: () => cluster.dispose() };
    },
  ],
];

/**
 * Three real agent processes as fleet devices: dev-a and dev-b in group greenhouses, dev-c in group fields (a fourth
 * joins later), on a real Mosquitto and on a real 3-node NATS cluster, where each device talks to another node than
 * the operator. The operator pushes signed configs with the CLI; each step builds on the one before.
 */
describe.each(BROKERS)('fleet on %s', (_name, startBroker) => {
  let dir: TempDir;
  let broker: FleetBrokerFixture;
  let key: string;
  let publicKey: string;
  let fleet: FleetObserver;
  const agents = new Map<string, AgentProcess>();

  const deviceConfig = (device: string, group: string) =>
    fleetDeviceConfig({ device, groups: [group], publicKey, brokerUrl: broker.deviceUrl(agents.size), source: `{ driver: mqtt, url: "${broker.url}", topics: "feed/#" }` });
  /** A config to push: the device's source on `url`, one rule named `rule`. */
  const pushed = (rule: string, url = broker.url) => pushableConfig(rule, `{ driver: mqtt, url: "${url}", topics: "\${FLEET_TEST_TOPIC}" }`);
  const push = (name: string, text: string, ...args: string[]) => pushFleetConfig(dir.path, name, text, ['--broker', broker.url, '--key', key, ...args]);
  const status = (device: string) => fleet.status(device);
  const version = (device: string) => status(device)?.config_version;

  beforeAll(async () => {
    dir = await makeTempDir('fleet');
    broker = await startBroker();
    ({ keyFile: key, publicKey } = await makeFleetKey(dir.path));
    fleet = await observeFleet(broker.url, { reconnectPeriod: 200 });
    for (const [device, group] of [['dev-a', 'greenhouses'], ['dev-b', 'greenhouses'], ['dev-c', 'fields']] as const) {
      const config = path.join(dir.path, `${device}.yaml`);
      await writeFile(config, deviceConfig(device, group));
      // The pushed configs name ${FLEET_TEST_TOPIC}: each device resolves it from its own environment.
      agents.set(device, startAgentProcess(config, path.join(dir.path, `data-${device}`), { FLEET_TEST_TOPIC: 'feed/#' }));
    }
    await eventually(() => ['dev-a', 'dev-b', 'dev-c'].every((device) => status(device)?.online === true && status(device)?.healthy === true), 30_000, 'three healthy devices');
  }, 90_000);

  // What the devices said about the fleet, and the broker's log, when a step failed: a push that never arrived is
  // otherwise only a timeout.
  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const [device, agent] of agents) {
      const lines = agent.logs().filter((line) => String(line.msg).startsWith('fleet'));
      console.log(`${device}'s fleet log:\n${lines.map((line) => JSON.stringify(line)).join('\n')}`);
    }
    console.log(`broker log (end):\n${broker.log().slice(-6_000)}`);
  });

  afterAll(async () => {
    for (const agent of agents.values()) agent.child.kill('SIGKILL');
    await Promise.all([...agents.values()].map((agent) => agent.exited));
    await fleet?.close();
    await broker?.dispose();
    await dir?.remove();
  });

  it('makes a private key only its owner can read', () => {
    expect(readFileSync(key, 'utf8')).toContain('PRIVATE KEY');
    expect(publicKey).toMatch(/^ed25519:/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
  });

  let first = 0;
  it('delivers a push to both devices of the group and not to the device outside it', async () => {
    const result = await push('v1', pushed('pushed_rule'), '--group', 'greenhouses');
    expect(result.code, result.stderr).toBe(0);
    first = Number(/version (\d+) pushed/.exec(result.stdout)?.[1]);
    await eventually(() => version('dev-a') === first && version('dev-b') === first, 30_000, 'dev-a and dev-b on the pushed version');
    expect(status('dev-a')!.last_change).toMatchObject({ version: first, outcome: 'applied' });
    await agents.get('dev-a')!.waitForLog(/rules reloaded|restarting the agent/);
    expect(version('dev-c')).toBe(0);
    expect(status('dev-c')!.last_change).toBeUndefined();
    // Kept on disk in the data dir.
    expect(readFileSync(path.join(dir.path, 'data-dev-a', 'fleet', 'versions', `${first}.yaml`), 'utf8')).toContain('pushed_rule');
    await eventually(() => status('dev-a')!.probation === false && status('dev-a')!.healthy === true, 20_000, 'dev-a past probation');
  }, 60_000);

  it('rejects a wrongly signed, an untrusted, an unsigned, an other group\'s and another device\'s bundle, a replayed older version, an invalid config and failing rule tests, and says why', async () => {
    const signingKey = readPrivateKey(key);
    const topic = `${PREFIX}/bundle/group/greenhouses`;
    const good = JSON.parse(sealBundle({ version: first + 10, target: { group: 'greenhouses' }, action: 'apply', config: pushed('tampered'), created_at: new Date().toISOString() }, signingKey)) as { content: string };
    const content = JSON.parse(Buffer.from(good.content, 'base64').toString()) as { config: string };
    content.config = content.config.replace('tampered', 'evil');
    await fleet.client.publishAsync(topic, JSON.stringify({ ...good, content: Buffer.from(JSON.stringify(content)).toString('base64') }), { qos: 1 });
    await eventually(() => /bad signature/.test(status('dev-a')?.last_change?.reason ?? ''), 20_000, 'bad signature rejected');
    expect(status('dev-a')!.last_change!.outcome).toBe('rejected');

    // Signed by a key the devices do not trust.
    const stranger = generateKeyPairSync('ed25519').privateKey;
    await fleet.client.publishAsync(topic, sealBundle({ version: first + 11, target: { group: 'greenhouses' }, action: 'apply', config: pushed('stranger'), created_at: new Date().toISOString() }, stranger), { qos: 1 });
    await eventually(() => /^signed by key [0-9a-f]{16}, which is not in fleet\.trusted_keys$/.test(status('dev-a')?.last_change?.reason ?? ''), 20_000, 'untrusted key rejected');

    // Unsigned: the envelope without its signature, and a bare config file.
    const { signature: _dropped, ...unsigned } = JSON.parse(sealBundle({ version: first + 12, target: { group: 'greenhouses' }, action: 'apply', config: pushed('unsigned'), created_at: new Date().toISOString() }, signingKey)) as Record<string, string>;
    await fleet.client.publishAsync(topic, JSON.stringify(unsigned), { qos: 1 });
    await eventually(() => /^not a bundle: expected \{format/.test(status('dev-a')?.last_change?.reason ?? ''), 20_000, 'unsigned bundle rejected');
    await fleet.client.publishAsync(topic, pushed('bare'), { qos: 1 });
    await eventually(() => status('dev-b')?.last_change?.reason === 'not a bundle: the payload is not JSON', 20_000, 'bare config rejected');

    // Correctly signed, but for another group (on this group's topic), or for another device (on this device's topic).
    await fleet.client.publishAsync(topic, sealBundle({ version: first + 13, target: { group: 'fields' }, action: 'apply', config: pushed('other_group'), created_at: new Date().toISOString() }, signingKey), { qos: 1 });
    await eventually(() => /^meant for group fields, not for this device \(groups: greenhouses\)/.test(status('dev-a')?.last_change?.reason ?? ''), 20_000, 'other group rejected');
    expect(status('dev-a')!.last_change).toMatchObject({ version: first + 13, outcome: 'rejected' });
    await fleet.client.publishAsync(`${PREFIX}/bundle/device/dev-a`, sealBundle({ version: first + 14, target: { device: 'dev-b' }, action: 'apply', config: pushed('other_device'), created_at: new Date().toISOString() }, signingKey), { qos: 1 });
    await eventually(() => /^meant for device dev-b, not for this device/.test(status('dev-a')?.last_change?.reason ?? ''), 20_000, 'other device rejected');
    // dev-c, in group fields, does not listen on the greenhouses topic: the bundle for its group never reached it.
    expect(status('dev-c')!.last_change).toBeUndefined();

    await fleet.client.publishAsync(topic, sealBundle({ version: first - 1, target: { group: 'greenhouses' }, action: 'apply', config: pushed('older'), created_at: new Date().toISOString() }, signingKey), { qos: 1 });
    await eventually(() => /^replay: version \d+ is not newer/.test(status('dev-a')?.last_change?.reason ?? ''), 20_000, 'replay rejected');

    // The CLI refuses to sign an invalid config; one signed anyway is refused by the device with file:line:column.
    const refused = await push('bad', `${pushed('bad_rule')}\n  extra: { driver: console, nope: 1 }\n`, '--group', 'greenhouses');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not pushed/);
    await fleet.client.publishAsync(topic, sealBundle({ version: first + 20, target: { group: 'greenhouses' }, action: 'apply', config: pushed('x').replace('aggregates: [count, mean]', 'aggregates: [cuont]'), created_at: new Date().toISOString() }, signingKey), { qos: 1 });
    await eventually(() => /^invalid config: bundle v\d+:\d+:\d+/.test(status('dev-b')?.last_change?.reason ?? ''), 20_000, 'invalid config rejected');

    // Rule tests travel with the bundle and run on the device against the pushed rules; the CLI runs them first.
    const failing = `tests:\n  - name: counts three\n    input: [{ sensor: t, interval: 100ms, values: [1, 2, 3] }]\n    expect: [{ rule: tested_rule, values: { count: 99 } }]\n`;
    const testFile = path.join(dir.path, 'failing.test.yaml');
    await writeFile(testFile, `config: tested.yaml\n${failing}`);
    const untested = await push('tested', pushed('tested_rule'), '--group', 'greenhouses', '--tests', testFile);
    expect(untested.code).toBe(1);
    expect(untested.stderr).toMatch(/rule test\(s\) failed: counts three[\s\S]*not pushed/);
    await fleet.client.publishAsync(topic, sealBundle({ version: first + 30, target: { group: 'greenhouses' }, action: 'apply', config: pushed('tested_rule'), tests: failing, created_at: new Date().toISOString() }, signingKey), { qos: 1 });
    await eventually(() => /^rule test\(s\) failed: counts three/.test(status('dev-a')?.last_change?.reason ?? ''), 20_000, 'failing rule test rejected');
    expect(version('dev-a')).toBe(first);
    expect(version('dev-b')).toBe(first);
  }, 60_000);

  it('rolls back by itself when the new config takes a source down within probation', async () => {
    const dead = `mqtt://127.0.0.1:${await freePort()}`;
    const result = await push('v2', pushed('pushed_rule', dead), '--group', 'greenhouses');
    expect(result.code, result.stderr).toBe(0);
    const second = Number(/version (\d+) pushed/.exec(result.stdout)?.[1]);
    await eventually(() => status('dev-a')?.last_change?.outcome === 'rolled-back' && status('dev-b')?.last_change?.outcome === 'rolled-back', 30_000, 'both rolled back');
    expect(status('dev-a')!.last_change).toMatchObject({ version: second, running: first });
    expect(status('dev-a')!.last_change!.reason).toMatch(/probation: source feed down/);
    await eventually(() => version('dev-a') === first && status('dev-a')!.healthy === true, 20_000, 'dev-a healthy on the version before');
    const watched = await tributary('fleet', 'watch', '--broker', broker.url, '--group', 'greenhouses', '--version', String(second), '--timeout', '20');
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/dev-a: refused: probation: source feed down/);
  }, 60_000);

  let third = 0;
  it('applies a canary push to N devices first and to the rest once they are healthy', async () => {
    const tests = path.join(dir.path, 'canary.test.yaml');
    await writeFile(tests, `config: v3.yaml\ntests:\n  - name: counts three\n    input: [{ sensor: t, interval: 100ms, values: [1, 2, 3] }]\n    expect: [{ rule: canary_rule, values: { count: 3, mean: 2 } }]\n`);
    const result = await push('v3', pushed('canary_rule'), '--group', 'greenhouses', '--canary', '1', '--timeout', '30', '--tests', tests);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    third = Number(/version (\d+) pushed/.exec(result.stdout)?.[1]);
    expect(result.stdout).toMatch(new RegExp(`version ${third}: canary on dev-a\\n`));
    await eventually(() => version('dev-b') === third, 20_000, 'dev-b on the canary version');
    const appliedAt = (device: string) => Date.parse(status(device)!.last_change!.at);
    // dev-b only after dev-a's probation (4 s) was over.
    expect(appliedAt('dev-b') - appliedAt('dev-a')).toBeGreaterThanOrEqual(4_000);
    const watched = await tributary('fleet', 'watch', '--broker', broker.url, '--group', 'greenhouses', '--timeout', '20');
    expect(watched.stdout).toMatch(/2 applied, 0 refused/);
    expect(watched.code).toBe(0);
  }, 90_000);

  it('rolls a group back by pushing the config of the version before again, as a new version: a device that joins later ends on it, and none steps back twice', async () => {
    const results: { device: string; version: number; outcome: string; reason?: string }[] = [];
    fleet.client.on('message', (topic, payload) => {
      if (topic.startsWith(`${PREFIX}/result/`)) results.push(JSON.parse(payload.toString()) as (typeof results)[number]);
    });
    await fleet.client.subscribeAsync(`${PREFIX}/result/+`, { qos: 1 });
    const result = await tributary('fleet', 'rollback', '--broker', broker.url, '--key', key, '--group', 'greenhouses');
    expect(result.code, result.stderr).toBe(0);
    // The version before the canary's, for the devices, is the first: the second was rolled back by each of them.
    const restored = Number(/pushed again as version (\d+)/.exec(result.stdout)?.[1]);
    expect(result.stdout).toContain(`group greenhouses back from version ${third} to the config of version ${first}, pushed again as version ${restored}`);
    expect(restored).toBeGreaterThan(third);
    await eventually(() => version('dev-a') === restored && version('dev-b') === restored, 20_000, 'group on the restored version');
    expect(status('dev-a')!.last_change).toMatchObject({ version: restored, outcome: 'applied', reason: `group rollback: the config of version ${first} again` });
    expect(readFileSync(path.join(dir.path, 'data-dev-a', 'fleet', 'running.yaml'), 'utf8')).toContain('pushed_rule:');
    // Stepping back from here goes to what ran before the first version, never to the canary's.
    expect(status('dev-a')!.previous_version).toBe(0);

    // A device that joins the group now finds the restored version retained, and runs it: no step back from anything.
    await writeFile(path.join(dir.path, 'dev-d.yaml'), deviceConfig('dev-d', 'greenhouses'));
    agents.set('dev-d', startAgentProcess(path.join(dir.path, 'dev-d.yaml'), path.join(dir.path, 'data-dev-d'), { FLEET_TEST_TOPIC: 'feed/#' }));
    await eventually(() => version('dev-d') === restored && status('dev-d')?.probation === false && status('dev-d')?.healthy === true, 30_000, 'dev-d on the restored version');
    expect(readFileSync(path.join(dir.path, 'data-dev-d', 'fleet', 'running.yaml'), 'utf8')).toContain('pushed_rule:');
    expect(results.filter((entry) => entry.device === 'dev-d').map(({ version: v, outcome }) => [v, outcome])).toEqual([[restored, 'applied']]);

    // A restarted device runs the version it ran before, from its data dir, and does not take the retained one again.
    const devB = agents.get('dev-b')!;
    devB.child.kill('SIGTERM');
    await devB.exited;
    const fromB = results.filter((entry) => entry.device === 'dev-b').length;
    const restarted = startAgentProcess(path.join(dir.path, 'dev-b.yaml'), path.join(dir.path, 'data-dev-b'), { FLEET_TEST_TOPIC: 'feed/#' });
    agents.set('dev-b', restarted);
    await restarted.waitForLog(/fleet: running the version pushed last/);
    await eventually(() => status('dev-b')?.online === true && version('dev-b') === restored && status('dev-b')?.healthy === true, 30_000, 'dev-b back on its version');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(results.filter((entry) => entry.device === 'dev-b').length).toBe(fromB);
    expect(version('dev-b')).toBe(restored);
    const watched = await tributary('fleet', 'watch', '--broker', broker.url, '--group', 'greenhouses', '--version', String(restored), '--timeout', '20');
    expect(watched.stdout).toMatch(/3 applied, 0 refused/);
  }, 90_000);

  it('lists every device in a status table and flags one that vanished (Last Will)', async () => {
    const table = await tributary('fleet', 'status', '--broker', broker.url);
    expect(table.stdout).toMatch(/^DEVICE +STATE +VERSION/);
    expect(table.stdout).toMatch(/dev-a +OK +\d+/);
    expect(table.stdout).toMatch(/dev-c +OK +0 /);
    agents.get('dev-c')!.child.kill('SIGKILL');
    await eventually(() => status('dev-c')?.online === false, 20_000, 'dev-c Last Will');
    const after = await tributary('fleet', 'status', '--broker', broker.url, '--json');
    expect(after.code).toBe(1);
    const rows = JSON.parse(after.stdout) as DeviceRow[];
    expect(rows.map((row) => [row.device, row.state])).toEqual([['dev-a', 'ok'], ['dev-b', 'ok'], ['dev-c', 'offline'], ['dev-d', 'ok']]);
    expect(rows.find((row) => row.device === 'dev-c')!.problems).toEqual(['connection lost']);
    const group = await tributary('fleet', 'status', '--broker', broker.url, '--group', 'greenhouses');
    expect(group.code).toBe(0);
    expect(group.stdout).not.toMatch(/dev-c/);
  }, 60_000);
});
