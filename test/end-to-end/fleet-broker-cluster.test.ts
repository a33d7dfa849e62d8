import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceLost, DeviceStatus } from '../../agent/fleet/device-status.js';
import type { DeviceRow } from '../../agent/fleet/status-table.js';
import { startAgentProcess } from '../helpers/agent-process.js';
import { FLEET_PREFIX, makeFleetKey, observeFleet, pushableConfig, pushFleetConfig } from '../helpers/fleet-fixture.js';
import { eventually } from '../helpers/mqtt-recorder.js';
import { startNatsCluster } from '../helpers/nats-cluster.js';
import { tributary } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const SOURCE = '{ driver: simulator, interval: 200ms, sensors: [{ name: probe, base: 20 }] }';

describe('a fleet device on a 3-node NATS cluster', () => {
  it('gets a config pushed while its node is down, and its retained status and Last Will are seen through the other nodes', { timeout: 150_000 }, async () => {
    const cluster = await startNatsCluster();
    cleanups.push(() => cluster.dispose());
    const dir = await makeTempDir('fleet-cluster');
    cleanups.push(() => dir.remove());
    const { keyFile, publicKey } = await makeFleetKey(dir.path);
    const config = path.join(dir.path, 'device.yaml');
    await writeFile(
      config,
      `
agent: { tick: 100ms, http: { enabled: false } }
sources:
  feed: ${SOURCE}
rules:
  local_rule: { from: feed, window: { type: tumbling, size: 1s }, aggregates: [count] }
sinks:
  out: { driver: console }
fleet:
  brokers: [${cluster.mqttUrls.join(', ')}]
  device: dev-1
  groups: [cluster-group]
  trusted_keys: ["${publicKey}"]
  status_interval: 2s
  probation: 4s
`,
    );
    // The operator watches from the last node; the device dials the first node first.
    const observer = await observeFleet(cluster.mqttUrls[2]!, { reconnectPeriod: 200 });
    cleanups.push(() => observer.close());
    const agent = startAgentProcess(config, path.join(dir.path, 'data'));
    cleanups.push(async () => {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
      await agent.exited;
    });
    await eventually(() => observer.status('dev-1')?.online === true && observer.status('dev-1')?.healthy === true, 30_000, 'dev-1 online and healthy');

    const node = await cluster.nodeOf('tributary-fleet-dev-1');
    expect(node?.name).toBe('n1');
    await node!.kill();
    // Pushed at once, through the second node, while the device is still finding another node: the bundle is
    // retained by the cluster and reaches the device when it subscribes again. While the cluster elects new leaders
    // (seconds; tens of seconds on a busy machine) it refuses sessions and subscriptions, and the CLI says so after
    // its 10 s; the operator pushes again.
    const killedAt = Date.now();
    const refusals: string[] = [];
    let pushed = await pushFleetConfig(dir.path, 'v1', pushableConfig('pushed_rule', SOURCE), ['--broker', cluster.mqttUrls[1]!, '--key', keyFile, '--group', 'cluster-group']);
    while (pushed.code !== 0 && /refused the subscription|cannot reach the fleet broker/.test(pushed.stderr) && Date.now() - killedAt < 45_000) {
      refusals.push(pushed.stderr.trim());
      pushed = await pushFleetConfig(dir.path, 'v1', pushableConfig('pushed_rule', SOURCE), ['--broker', cluster.mqttUrls[1]!, '--key', keyFile, '--group', 'cluster-group']);
    }
    console.log(`fleet on a NATS cluster: push accepted ${Date.now() - killedAt} ms after the kill, after ${refusals.length} refused attempt(s)`);
    expect(pushed.code, pushed.stderr).toBe(0);
    const version = Number(/version (\d+) pushed/.exec(pushed.stdout)?.[1]);
    await eventually(() => observer.status('dev-1')?.config_version === version, 40_000, `dev-1 on version ${version}`);
    expect(observer.status('dev-1')!.last_change).toMatchObject({ version, outcome: 'applied' });
    const refusedSubscriptions = agent.logs().filter((line) => /^fleet: could not subscribe/.test(String(line.msg))).length;
    console.log(`fleet on a NATS cluster: the device's subscription was refused ${refusedSubscriptions} time(s) (then retried) before the bundle came`);
    // Asked until the device is on a node: a cluster electing leaders may refuse its session for a moment.
    let deviceNode = await cluster.nodeOf('tributary-fleet-dev-1');
    for (const deadline = Date.now() + 30_000; deviceNode === undefined && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      deviceNode = await cluster.nodeOf('tributary-fleet-dev-1');
    }
    expect(['n2', 'n3']).toContain(deviceNode?.name);

    // The operator asks the surviving node the device is not on: the retained status says which version it runs.
    // Asked until the device shows online too: a Last Will of its connection to the killed node, published by the
    // cluster after the device had moved on, stands until the device sees it and clears it (seen once in a suite run).
    const other = cluster.nodes.find((each) => each.running && each !== deviceNode)!;
    const online = (state: string | undefined) => state === 'ok' || state === 'unhealthy';
    expect(await statusThrough(other.mqttUrl, (rows) => rows[0]?.version === version && online(rows[0]?.state))).toEqual([
      expect.objectContaining({ device: 'dev-1', version, state: expect.stringMatching(/^(ok|unhealthy)$/) }),
    ]);

    // The killed node comes back and learns the retained status from the cluster (right after its restart it has
    // been seen to answer with an older one for a moment, so this asks until it is current).
    await node!.restart();
    await cluster.waitUntilReady();
    const restartedAt = Date.now();
    const retained = await retainedMessage<DeviceStatus>(cluster.mqttUrls[0]!, 'status', (status) => status.config_version === version);
    console.log(`fleet on a NATS cluster: the restarted node answered with the current status ${Date.now() - restartedAt} ms after it was ready`);
    expect(retained).toMatchObject({ device: 'dev-1', online: true, config_version: version });

    // The device vanishes: the node it is connected to publishes its Last Will, retained, and every node has it. The
    // Will has its own topic, so the retained status still names the version the device ran.
    agent.child.kill('SIGKILL');
    await agent.exited;
    await eventually(() => observer.status('dev-1')?.online === false, 20_000, 'the Last Will of dev-1');
    expect(observer.status('dev-1')).toMatchObject({ online: false, reason: 'connection lost', config_version: version });
    expect(await retainedMessage<DeviceLost>(cluster.mqttUrls[0]!, 'lost', () => true)).toEqual({ device: 'dev-1', reason: 'connection lost' });
    expect(await statusThrough(cluster.mqttUrls[0]!, (rows) => rows[0]?.state === 'offline')).toEqual([
      expect.objectContaining({ device: 'dev-1', version, state: 'offline', problems: ['connection lost'] }),
    ]);
  });
});

/**
 * The retained message of dev-1 on its `status` or `lost` (Last Will) topic as a new subscriber on one node gets it,
 * read again (for up to 30 s) until `done` holds for it. A refused session or subscription (the cluster electing
 * leaders) counts as no message yet.
 */
async function retainedMessage<T>(url: string, branch: 'status' | 'lost', done: (message: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  let last: T | undefined;
  while (Date.now() < deadline) {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000 });
    client.on('error', () => undefined);
    const status = await new Promise<T | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 5_000);
      client.on('message', (_topic, payload, packet) => {
        if (packet.retain && payload.length > 0) (clearTimeout(timer), resolve(JSON.parse(payload.toString()) as T));
      });
      client.on('connect', () => client.subscribe(`${FLEET_PREFIX}/${branch}/dev-1`, { qos: 1 }, (error) => error && (clearTimeout(timer), resolve(undefined))));
      client.on('close', () => (clearTimeout(timer), resolve(undefined)));
    });
    client.end(true);
    if (status !== undefined && done(status)) return status;
    last = status ?? last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the retained ${branch} message of dev-1 through ${url} was not as expected within 30 s; last: ${JSON.stringify(last)}`);
}

/**
 * `tributary fleet status --json` through one node, asked again (for up to 30 s) until `done` holds for its rows. A
 * run that fails (the cluster refusing a session for a moment) counts as no rows.
 */
async function statusThrough(url: string, done: (rows: DeviceRow[]) => boolean): Promise<DeviceRow[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const listed = await tributary('fleet', 'status', '--json', '--broker', url);
    const rows = listed.stdout.trim().startsWith('[') ? (JSON.parse(listed.stdout) as DeviceRow[]) : [];
    if (done(rows)) return rows;
    if (Date.now() > deadline) throw new Error(`fleet status through ${url} did not show what was expected within 30 s; last answer: ${listed.stdout}${listed.stderr}`);
  }
}
