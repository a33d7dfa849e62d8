import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealBundle } from '../../agent/fleet/config-bundle.js';
import { readPrivateKey } from '../../agent/fleet/fleet-keys.js';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { FLEET_PREFIX as PREFIX, fleetDeviceConfig, makeFleetKey, observeFleet, pushableConfig, pushFleetConfig, type FleetObserver } from '../helpers/fleet-fixture.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { eventually } from '../helpers/mqtt-recorder.js';
import { REPO, tributaryWith } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { makeMosquittoPasswordFile, makeTlsCertificates, type TlsCertificates } from '../helpers/tls-certificates.js';

/** The device's source needs no broker account: a simulator. */
const SIMULATOR = '{ driver: simulator, interval: 100ms, sensors: [{ name: t, base: 20 }] }';
const PASSWORDS = { 'dev-a': 'secret-a', 'dev-b': 'secret-b', 'dev-c': 'secret-c', operator: 'secret-op' } as const;
const OPERATOR = { TRIBUTARY_FLEET_USERNAME: 'operator', TRIBUTARY_FLEET_PASSWORD: PASSWORDS.operator };

/**
 * The ACL shipped in config/fleet-mosquitto.acl, on a real Mosquitto with a password file and no anonymous access:
 * each device logs in with its device id (the default user name) and may write only its own status and result;
 * only the operator may push bundles.
 */
describe('fleet through the Mosquitto ACL of config/fleet-mosquitto.acl', () => {
  let dir: TempDir;
  let broker: MosquittoBroker;
  let key: string;
  let publicKey: string;
  let fleet: FleetObserver;
  const agents: AgentProcess[] = [];
  const clients: MqttClient[] = [];

  /** A raw MQTT client logged in as `user`, as a compromised device or script would be. */
  const login = async (user: keyof typeof PASSWORDS, password: string = PASSWORDS[user]) => {
    const client = await mqtt.connectAsync(broker.url, { username: user, password, reconnectPeriod: 0 });
    clients.push(client);
    return client;
  };
  const startDevice = async (device: string, password: string) => {
    const config = path.join(dir.path, `${device}.yaml`);
    // No fleet.username: it defaults to the device id, which the ACL's %u matches.
    await writeFile(config, fleetDeviceConfig({ device, groups: ['greenhouses'], publicKey, brokerUrl: broker.url, source: SIMULATOR, fleetLines: ['password: ${FLEET_PASSWORD}'] }));
    const agent = startAgentProcess(config, path.join(dir.path, `data-${device}`), { FLEET_PASSWORD: password });
    agents.push(agent);
    return agent;
  };

  beforeAll(async () => {
    dir = await makeTempDir('fleet-acl');
    const passwordFile = await makeMosquittoPasswordFile(path.join(dir.path, 'passwd'), PASSWORDS);
    broker = await startMosquitto({ passwordFile, aclFile: path.join(REPO, 'config', 'fleet-mosquitto.acl') });
    ({ keyFile: key, publicKey } = await makeFleetKey(dir.path));
    fleet = await observeFleet(broker.url, { username: 'operator', password: PASSWORDS.operator });
    await startDevice('dev-a', PASSWORDS['dev-a']);
    await eventually(() => fleet.status('dev-a')?.online === true && fleet.status('dev-a')?.healthy === true, 30_000, 'dev-a online and healthy');
  }, 60_000);

  afterAll(async () => {
    for (const agent of agents) agent.child.kill('SIGKILL');
    await Promise.all(agents.map((agent) => agent.exited));
    await Promise.all(clients.map((client) => client.endAsync(true)));
    await fleet?.close();
    await broker?.dispose();
    await dir?.remove();
  });

  it("does not let a device publish another device's status, Last Will or result: the broker drops it", async () => {
    const devA = await login('dev-a');
    const devB = await login('dev-b');
    const seen: { topic: string; payload: string }[] = [];
    const watcher = await login('operator');
    watcher.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
    await watcher.subscribeAsync([`${PREFIX}/status/dev-b`, `${PREFIX}/lost/dev-b`, `${PREFIX}/result/dev-b`], { qos: 1 });

    // dev-b's own messages pass (the watcher would see a forged one), then dev-a forges both, then dev-b again.
    await devB.publishAsync(`${PREFIX}/status/dev-b`, '{"device":"dev-b","mark":"own-1"}', { qos: 1 });
    await devA.publishAsync(`${PREFIX}/status/dev-b`, '{"device":"dev-b","mark":"forged"}', { qos: 1, retain: true });
    await devA.publishAsync(`${PREFIX}/lost/dev-b`, '{"device":"dev-b","mark":"forged"}', { qos: 1, retain: true });
    await devA.publishAsync(`${PREFIX}/result/dev-b`, '{"device":"dev-b","mark":"forged"}', { qos: 1 });
    await devB.publishAsync(`${PREFIX}/result/dev-b`, '{"device":"dev-b","mark":"own-2"}', { qos: 1 });
    await eventually(() => seen.some((message) => message.payload.includes('own-2')), 10_000, "dev-b's second message");
    expect(seen.map((message) => `${message.topic} ${JSON.parse(message.payload).mark}`)).toEqual([
      `${PREFIX}/status/dev-b own-1`,
      `${PREFIX}/result/dev-b own-2`,
    ]);

    // Nor was the forgery kept as the retained status: a new subscriber gets dev-b's own.
    const late = await login('operator');
    const retained: string[] = [];
    late.on('message', (_topic, payload) => retained.push(payload.toString()));
    await late.subscribeAsync(`${PREFIX}/status/dev-b`, { qos: 1 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(retained).toEqual([]);
  });

  it('does not let a device push a bundle, even one signed with the trusted key; the operator can, and the device applies it', async () => {
    const signingKey = readPrivateKey(key);
    const devB = await login('dev-b');
    const bundles: string[] = [];
    const watcher = await login('operator');
    watcher.on('message', (topic) => bundles.push(topic));
    await watcher.subscribeAsync(`${PREFIX}/bundle/#`, { qos: 1 });

    const content = { target: { group: 'greenhouses' }, action: 'apply' as const, config: pushableConfig('from_a_device', SIMULATOR), created_at: new Date().toISOString() };
    await devB.publishAsync(`${PREFIX}/bundle/group/greenhouses`, sealBundle({ version: 2_000_000_000, ...content }, signingKey), { qos: 1, retain: true });
    await devB.publishAsync(`${PREFIX}/bundle/device/dev-a`, sealBundle({ version: 2_000_000_001, ...content, target: { device: 'dev-a' } }, signingKey), { qos: 1, retain: true });
    // Nor a copy in a group's history, which `fleet rollback` would sign again (it also checks the signature).
    await devB.publishAsync(`${PREFIX}/bundle/history/greenhouses/2000000002`, sealBundle({ version: 2_000_000_002, ...content }, signingKey), { qos: 1, retain: true });

    // The operator's push goes through, with its copy in the group's history; the device's publishes never reached a
    // subscriber.
    const pushed = await pushFleetConfig(dir.path, 'v1', pushableConfig('operator_rule', SIMULATOR), ['--broker', broker.url, '--key', key, '--group', 'greenhouses'], OPERATOR);
    expect(pushed.code, pushed.stderr).toBe(0);
    const version = Number(/version (\d+) pushed/.exec(pushed.stdout)?.[1]);
    await eventually(() => bundles.length >= 2, 10_000, "the operator's bundle and its copy");
    expect(bundles.sort()).toEqual([`${PREFIX}/bundle/group/greenhouses`, `${PREFIX}/bundle/history/greenhouses/${version}`]);

    await eventually(() => fleet.status('dev-a')?.config_version === version, 30_000, 'dev-a on the pushed version');
    expect(fleet.status('dev-a')!.last_change).toMatchObject({ version, outcome: 'applied' });
    expect(version).toBeLessThan(2_000_000_000);
  }, 60_000);

  it("reports to the operator, who sees results and statuses; a device cannot read another device's bundle", async () => {
    const watcher = await login('operator');
    const results: string[] = [];
    watcher.on('message', (_topic, payload) => results.push(payload.toString()));
    await watcher.subscribeAsync(`${PREFIX}/result/+`, { qos: 1 });
    const pushed = await pushFleetConfig(dir.path, 'v2', pushableConfig('second_rule', SIMULATOR), ['--broker', broker.url, '--key', key, '--group', 'greenhouses'], OPERATOR);
    expect(pushed.code, pushed.stderr).toBe(0);
    const version = Number(/version (\d+) pushed/.exec(pushed.stdout)?.[1]);
    await eventually(() => results.some((result) => JSON.parse(result).version === version), 30_000, "dev-a's result");
    expect(JSON.parse(results.find((result) => JSON.parse(result).version === version)!)).toMatchObject({ device: 'dev-a', outcome: 'applied' });

    const table = await tributaryWith(OPERATOR, 'fleet', 'status', '--broker', broker.url);
    expect(table.stdout).toMatch(new RegExp(`dev-a +OK( \\(probation\\))? +${version} `));

    // The retained group bundle is there for dev-b, but not dev-a's own device topic (a canary there stays dev-a's).
    const canary = await pushFleetConfig(dir.path, 'canary', pushableConfig('canary_rule', SIMULATOR), ['--broker', broker.url, '--key', key, '--group', 'greenhouses', '--canary', '1', '--timeout', '30'], OPERATOR);
    expect(canary.code, canary.stderr + canary.stdout).toBe(0);
    expect(canary.stdout).toMatch(/canary on dev-a\n/);
    const devB = await login('dev-b');
    const received: string[] = [];
    devB.on('message', (topic) => received.push(topic));
    await devB.subscribeAsync([`${PREFIX}/bundle/device/dev-a`, `${PREFIX}/bundle/group/greenhouses`], { qos: 1 });
    await eventually(() => received.includes(`${PREFIX}/bundle/group/greenhouses`), 10_000, 'the retained group bundle');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received).toEqual([`${PREFIX}/bundle/group/greenhouses`]);
  }, 90_000);

  it('refuses a device with a wrong password, which logs why and keeps running', async () => {
    const agent = await startDevice('dev-c', 'wrong-password');
    const warning = await agent.waitForLog(/fleet: cannot connect to the broker/);
    expect(String(warning.reason)).toMatch(/^the broker refused the login \(Connection refused: Not authorized\); check username and password/);
    // Its own rules still run: results keep coming on its console sink.
    const before = agent.stdout().length;
    await eventually(() => agent.stdout().length > before, 10_000, 'results after the refusal');
    expect(fleet.status('dev-c')).toBeUndefined();
  });

  it("lets a device's Last Will through: the operator sees it offline, with the version it ran", async () => {
    const ran = fleet.status('dev-a')!.config_version;
    expect(ran).toBeGreaterThan(0);
    agents[0]!.child.kill('SIGKILL');
    await eventually(() => fleet.status('dev-a')?.online === false, 20_000, "dev-a's Last Will");
    expect(fleet.status('dev-a')).toMatchObject({ reason: 'connection lost', config_version: ran });
  });
});

/**
 * The limit the README names: without more, a device can connect with another device's client id and knock it off
 * the broker; Mosquitto's `use_username_as_clientid true` makes every client id its user name.
 */
describe('fleet on a Mosquitto with use_username_as_clientid', () => {
  let dir: TempDir;
  let broker: MosquittoBroker;
  let fleet: FleetObserver;
  let agent: AgentProcess | undefined;
  let intruder: MqttClient | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('fleet-clientid');
    const passwordFile = await makeMosquittoPasswordFile(path.join(dir.path, 'passwd'), PASSWORDS);
    broker = await startMosquitto({ passwordFile, aclFile: path.join(REPO, 'config', 'fleet-mosquitto.acl'), extraConfig: ['use_username_as_clientid true'] });
    fleet = await observeFleet(broker.url, { username: 'operator', password: PASSWORDS.operator });
  });

  afterAll(async () => {
    agent?.child.kill('SIGKILL');
    await agent?.exited;
    await intruder?.endAsync(true);
    await fleet?.close();
    await broker?.dispose();
    await dir?.remove();
  });

  it("keeps a device connected when another device logs in with the device's client id", async () => {
    const { publicKey } = await makeFleetKey(dir.path);
    const config = path.join(dir.path, 'dev-a.yaml');
    await writeFile(config, fleetDeviceConfig({ device: 'dev-a', groups: ['greenhouses'], publicKey, brokerUrl: broker.url, source: SIMULATOR, fleetLines: ['password: ${FLEET_PASSWORD}'] }));
    agent = startAgentProcess(config, path.join(dir.path, 'data-dev-a'), { FLEET_PASSWORD: PASSWORDS['dev-a'] });
    await eventually(() => fleet.status('dev-a')?.online === true, 30_000, 'dev-a online');

    intruder = await mqtt.connectAsync(broker.url, { username: 'dev-b', password: PASSWORDS['dev-b'], clientId: 'tributary-fleet-dev-a', reconnectPeriod: 0 });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(agent.logs().filter((line) => line.msg === 'fleet: connected')).toHaveLength(1);
    expect(fleet.status('dev-a')?.online).toBe(true);
    expect(intruder.connected).toBe(true);
  }, 60_000);
});

/** `fleet.tls` and the operator's --tls-ca against a Mosquitto TLS listener, with certificates made for the test. */
describe('fleet over TLS', () => {
  let dir: TempDir;
  let certs: TlsCertificates;
  let broker: MosquittoBroker;
  let key: string;
  let publicKey: string;
  let fleet: FleetObserver;
  const agents: AgentProcess[] = [];

  const startDevice = async (device: string, ca: string) => {
    const config = path.join(dir.path, `${device}.yaml`);
    await writeFile(config, fleetDeviceConfig({ device, groups: ['tls'], publicKey, brokerUrl: broker.url, source: SIMULATOR, fleetLines: [`tls: { ca: "${ca}" }`] }));
    const agent = startAgentProcess(config, path.join(dir.path, `data-${device}`));
    agents.push(agent);
    return agent;
  };

  beforeAll(async () => {
    dir = await makeTempDir('fleet-tls');
    certs = await makeTlsCertificates(dir.path);
    broker = await startMosquitto({ tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } });
    ({ keyFile: key, publicKey } = await makeFleetKey(dir.path));
    fleet = await observeFleet(broker.url, { ca: readFileSync(certs.caFile) });
  }, 60_000);

  afterAll(async () => {
    for (const agent of agents) agent.child.kill('SIGKILL');
    await Promise.all(agents.map((agent) => agent.exited));
    await fleet?.close();
    await broker?.dispose();
    await dir?.remove();
  });

  it('connects a device over mqtts:// with fleet.tls.ca and applies a bundle pushed with --tls-ca', async () => {
    expect(broker.url).toMatch(/^mqtts:\/\//);
    await startDevice('dev-t', certs.caFile);
    await eventually(() => fleet.status('dev-t')?.online === true, 30_000, 'dev-t online');
    const pushed = await pushFleetConfig(dir.path, 'tls-v1', pushableConfig('tls_rule', SIMULATOR), ['--broker', broker.url, '--tls-ca', certs.caFile, '--key', key, '--group', 'tls']);
    expect(pushed.code, pushed.stderr).toBe(0);
    const version = Number(/version (\d+) pushed/.exec(pushed.stdout)?.[1]);
    await eventually(() => fleet.status('dev-t')?.config_version === version, 30_000, 'dev-t on the pushed version');
    expect(fleet.status('dev-t')!.last_change).toMatchObject({ version, outcome: 'applied' });

    // --from takes broker and fleet.tls from a config file's fleet: section.
    const table = await tributaryWith({}, 'fleet', 'status', '--from', path.join(dir.path, 'dev-t.yaml'));
    expect(table.stdout, table.stderr).toMatch(new RegExp(`dev-t +OK( \\(probation\\))? +${version} `));
  }, 60_000);

  it('refuses a broker whose certificate another CA signed: the device logs why and keeps running its config', async () => {
    const agent = await startDevice('dev-w', certs.otherCaFile);
    const warning = await agent.waitForLog(/fleet: cannot connect to the broker/);
    expect(String(warning.reason)).toMatch(/^the broker's TLS certificate is not signed by a trusted CA \(.+\); set fleet\.tls\.ca to the CA certificate that signed it$/);
    const before = agent.stdout().length;
    await eventually(() => agent.stdout().length > before, 10_000, 'results after the refusal');
    expect(agent.child.exitCode).toBeNull();
    expect(fleet.status('dev-w')).toBeUndefined();
  });

  it('connects with fleet.tls.cert and key to a listener that requires a client certificate', async () => {
    const strict = await startMosquitto({ tls: { caFile: certs.caFile, certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, requireCertificate: true } });
    try {
      const config = path.join(dir.path, 'dev-c.yaml');
      const tls = `tls: { ca: "${certs.caFile}", cert: "${certs.clientCertFile}", key: "${certs.clientKeyFile}" }`;
      await writeFile(config, fleetDeviceConfig({ device: 'dev-c', groups: ['tls'], publicKey, brokerUrl: strict.url, source: SIMULATOR, fleetLines: [tls] }));
      const agent = startAgentProcess(config, path.join(dir.path, 'data-dev-c'));
      agents.push(agent);
      await agent.waitForLog(/fleet: connected/);
      const table = await tributaryWith({}, 'fleet', 'status', '--broker', strict.url, '--tls-ca', certs.caFile, '--tls-cert', certs.clientCertFile, '--tls-key', certs.clientKeyFile);
      expect(table.stdout, table.stderr).toMatch(/dev-c +OK +0 /);
    } finally {
      await strict.dispose();
    }
  }, 60_000);

  it('refuses --tls-* options with an mqtt:// broker, and half a client certificate', async () => {
    const plain = await tributaryWith({}, 'fleet', 'status', '--broker', 'mqtt://127.0.0.1:1', '--tls-ca', certs.caFile);
    expect([plain.code, plain.stderr.trim()]).toEqual([1, 'tributary fleet: --tls-ca, --tls-cert and --tls-key need an mqtts:// broker URL']);
    const half = await tributaryWith({}, 'fleet', 'status', '--broker', broker.url, '--tls-cert', certs.clientCertFile);
    expect([half.code, half.stderr.trim()]).toEqual([1, 'tributary fleet: give both --tls-cert and --tls-key, or neither']);
  });

  it('makes an operator command with the wrong CA fail with the reason', async () => {
    const status = await tributaryWith({}, 'fleet', 'status', '--broker', broker.url, '--tls-ca', certs.otherCaFile);
    expect(status.code).not.toBe(0);
    expect(status.stderr).toMatch(/cannot reach the fleet broker mqtts:\/\/127\.0\.0\.1:\d+ within 10 s: the broker's TLS certificate is not signed by a trusted CA/);
  }, 30_000);
});
