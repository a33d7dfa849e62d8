import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { freePort } from './free-port.js';
import { ProcessWatchdog as Watchdog } from './process-watchdog.js';
import { makeTempDir, type TempDir } from './temp-dir.js';

/**
 * A real 3-node nats-server cluster (Debian package nats-server, 2.9) with JetStream and the MQTT listener on each
 * node, for tests of an agent that must survive losing the broker node it is connected to. Everything listens on
 * 127.0.0.1 on free ports and keeps its JetStream store in one temp dir.
 */
export interface NatsCluster {
  readonly nodes: readonly NatsNode[];
  /** The three MQTT URLs, node 0 first. */
  readonly mqttUrls: readonly string[];
  /** The node an MQTT client with this client id is connected to now, from each node's /connz; undefined if none. */
  nodeOf(mqttClientId: string): Promise<NatsNode | undefined>;
  /** Waits until every running node is part of the cluster and its MQTT listener (which needs JetStream) accepts a session. */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  /** Everything every node printed, for assertion messages. */
  log(): string;
  /** Kills every node and deletes the temp dir. Safe to call twice. */
  dispose(): Promise<void>;
}

export interface NatsNode {
  readonly name: string;
  readonly mqttUrl: string;
  /** The monitoring endpoint, http://127.0.0.1:<port>. */
  readonly monitorUrl: string;
  readonly running: boolean;
  /** kill -9: no goodbye to the cluster or to its clients. */
  kill(): Promise<void>;
  /** Starts the node again on the same ports with the same JetStream store. */
  restart(): Promise<void>;
}

const HOST = '127.0.0.1';
const BINARY = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';
const LOG_LIMIT = 128 * 1024;
const NODE_COUNT = 3;

interface Ports {
  client: number;
  cluster: number;
  monitor: number;
  mqtt: number;
}

/** Nodes not yet disposed, killed if the test process exits without disposing them. */
const live = new Set<Cluster>();

/** Starts the cluster and resolves once it has formed and every node's MQTT listener accepts a session. */
export async function startNatsCluster(): Promise<NatsCluster> {
  const dir = await makeTempDir('nats');
  const ports: Ports[] = [];
  for (let i = 0; i < NODE_COUNT; i++) {
    ports.push({ client: await freePort(HOST), cluster: await freePort(HOST), monitor: await freePort(HOST), mqtt: await freePort(HOST) });
  }
  const cluster = new Cluster(dir, ports);
  if (live.size === 0) process.once('exit', () => [...live].forEach((running) => running.killNow()));
  live.add(cluster);
  try {
    await Promise.all(cluster.nodes.map((node) => node.start()));
    await cluster.waitUntilReady();
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
  return cluster;
}

class Cluster implements NatsCluster {
  readonly nodes: Node[];
  private output = '';
  private disposed = false;
  private readonly watchdog: Watchdog;

  constructor(
    private readonly tempDir: TempDir,
    ports: readonly Ports[],
  ) {
    this.watchdog = new Watchdog(tempDir.path);
    this.nodes = ports.map((own, index) => new Node(`n${index + 1}`, own, ports, tempDir.path, this.watchdog, (text) => this.append(text)));
  }

  get mqttUrls(): string[] {
    return this.nodes.map((node) => node.mqttUrl);
  }

  async nodeOf(mqttClientId: string): Promise<NatsNode | undefined> {
    for (const node of this.nodes) {
      if (!node.running) continue;
      const connz = (await getJson(`${node.monitorUrl}/connz?mqtt_client=${encodeURIComponent(mqttClientId)}`)) as { num_connections?: number } | undefined;
      if ((connz?.num_connections ?? 0) > 0) return node;
    }
    return undefined;
  }

  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const running = this.nodes.filter((node) => node.running);
    for (const node of running) {
      for (;;) {
        const problem = await node.notReady(running.length - 1);
        if (problem === undefined) break;
        if (Date.now() > deadline) throw new Error(`NATS node ${node.name} not ready within ${timeoutMs} ms: ${problem}\n--- nats-server output ---\n${this.output}`);
        await sleep(200);
      }
    }
  }

  log(): string {
    return this.output;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    // For a look at what the nodes did in a run that went wrong: NATS_CLUSTER_LOG=<file>.
    const logFile = process.env['NATS_CLUSTER_LOG'];
    if (logFile !== undefined) await writeFile(logFile, this.output, 'utf8');
    await Promise.all(this.nodes.map((node) => node.kill()));
    live.delete(this);
    this.watchdog.dispose();
    await this.tempDir.remove();
  }

  killNow(): void {
    for (const node of this.nodes) node.killNow();
    this.watchdog.dispose();
    this.tempDir.removeSync();
  }

  private append(text: string): void {
    this.output = (this.output + text).slice(-LOG_LIMIT);
  }
}

class Node implements NatsNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly ports: Ports,
    private readonly allPorts: readonly Ports[],
    private readonly clusterDir: string,
    private readonly watchdog: Watchdog,
    private readonly append: (text: string) => void,
  ) {}

  get mqttUrl(): string {
    return `mqtt://${HOST}:${this.ports.mqtt}`;
  }

  get monitorUrl(): string {
    return `http://${HOST}:${this.ports.monitor}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    const store = path.join(this.clusterDir, this.name);
    await mkdir(store, { recursive: true });
    const configFile = path.join(this.clusterDir, `${this.name}.conf`);
    await writeFile(configFile, this.config(store), 'utf8');
    const child = spawn(BINARY, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const pid = child.pid;
    if (pid !== undefined) this.watchdog.watch(pid);
    const prefix = `[${this.name}] `;
    const onData = (chunk: Buffer) => this.append(chunk.toString('utf8').replace(/^(?=.)/gm, prefix));
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.append(`${prefix}could not run ${BINARY}: ${error.message} (install the Debian package nats-server)\n`);
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.once('exit', (code, signal) => {
        if (pid !== undefined) this.watchdog.forget(pid);
        this.append(`${prefix}nats-server exited (${signal ?? `code ${String(code)}`})\n`);
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  /** Undefined when this node routes to `routes` others and an MQTT client can connect to it; else why not. */
  async notReady(routes: number): Promise<string | undefined> {
    if (!this.running) return 'not running';
    const routez = (await getJson(`${this.monitorUrl}/routez`)) as { num_routes?: number } | undefined;
    if (routez === undefined) return 'monitoring port not answering';
    if ((routez.num_routes ?? 0) < routes) return `${routez.num_routes ?? 0} of ${routes} routes`;
    // Not /healthz: after a restart, 2.9 reports the node's own retained-message consumer "not current" for good.
    // An MQTT connect needs JetStream (the first one of the cluster creates the MQTT streams), so it proves enough.
    try {
      const client = await mqtt.connectAsync(this.mqttUrl, { clientId: `ready-${this.name}-${process.pid}`, connectTimeout: 5_000, reconnectPeriod: 0 }, false);
      await client.endAsync();
    } catch (error) {
      return `MQTT connect: ${(error as Error).message}`;
    }
    return undefined;
  }

  private config(store: string): string {
    const routes = this.allPorts.map((other) => `nats-route://${HOST}:${other.cluster}`);
    return [
      '# Written by test/helpers/nats-cluster.ts for one test; deleted with its temp dir.',
      `server_name: ${this.name}`,
      `listen: ${HOST}:${this.ports.client}`,
      `http: ${HOST}:${this.ports.monitor}`,
      `jetstream { store_dir: "${store}", max_memory_store: 64MB, max_file_store: 1GB }`,
      // Every node lists all three routes (a node skips its own), the usual way to write one config for all.
      `cluster { name: tributary-test, listen: ${HOST}:${this.ports.cluster}, routes: [${routes.join(', ')}] }`,
      // Three replicas of the MQTT streams (sessions, retained and QoS 1 messages): two nodes keep a quorum.
      `mqtt { listen: ${HOST}:${this.ports.mqtt}, stream_replicas: 3 }`,
      '',
    ].join('\n');
  }
}

/** The JSON a monitoring endpoint answers, or undefined when the node does not answer (yet). */
async function getJson(url: string): Promise<unknown> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}
