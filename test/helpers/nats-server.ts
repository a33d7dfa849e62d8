import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import { freePort } from './free-port.js';
import { ProcessWatchdog } from './process-watchdog.js';
import { makeTempDir } from './temp-dir.js';

/** One real nats-server with JetStream and its MQTT listener, on free loopback ports; see nats-cluster.ts for three. */
export interface NatsServer {
  readonly mqttUrl: string;
  /** Everything it printed, for assertion messages. */
  log(): string;
  /** Kills it and deletes its temp dir. */
  dispose(): Promise<void>;
}

const HOST = '127.0.0.1';
const BINARY = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';

/**
 * Starts nats-server with `config` added to its own lines (listen, JetStream store, MQTT listener), e.g. an
 * `accounts { … }` block; resolves once an MQTT client (with `username`/`password` when the config needs them) can
 * connect.
 */
export async function startNatsServer(config: readonly string[] = [], login: { username?: string; password?: string } = {}): Promise<NatsServer> {
  const dir = await makeTempDir('nats-server');
  const mqttPort = await freePort(HOST);
  const file = path.join(dir.path, 'nats.conf');
  await writeFile(
    file,
    [
      '# Written by test/helpers/nats-server.ts for one test; deleted with its temp dir.',
      'server_name: tributary-test',
      `listen: ${HOST}:${await freePort(HOST)}`,
      `jetstream { store_dir: "${path.join(dir.path, 'jetstream')}", max_memory_store: 64MB, max_file_store: 256MB }`,
      `mqtt { listen: ${HOST}:${mqttPort} }`,
      ...config,
      '',
    ].join('\n'),
  );
  const watchdog = new ProcessWatchdog(dir.path);
  let output = '';
  const child: ChildProcess = spawn(BINARY, ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) watchdog.watch(child.pid);
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => ((output += `could not run ${BINARY}: ${error.message}\n`), resolve()));
    child.once('exit', () => resolve());
  });
  const server: NatsServer = {
    mqttUrl: `mqtt://${HOST}:${mqttPort}`,
    log: () => output,
    async dispose() {
      child.kill('SIGKILL');
      await exited;
      watchdog.dispose();
      await dir.remove();
    },
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const client = await mqtt.connectAsync(server.mqttUrl, { ...login, connectTimeout: 2_000, reconnectPeriod: 0 }, false);
      await client.endAsync();
      return server;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await server.dispose();
        throw new Error(`nats-server did not accept MQTT clients: ${(error as Error).message}\n--- nats-server output ---\n${output}`);
      }
      await sleep(200);
    }
  }
}
