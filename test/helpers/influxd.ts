import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from './free-port.js';
import { HttpServerProcess } from './http-server-process.js';
import { makeTempDir } from './temp-dir.js';

/** A real InfluxDB 1.x owned by one test, on free loopback ports, with its data in a temp dir. */
export interface Influxd {
  /** `http://127.0.0.1:<port>`; stays the same across stop/restart. */
  readonly url: string;
  readonly dir: string;
  readonly running: boolean;
  /** Everything influxd printed (last ~64 KB), for assertion messages. */
  log(): string;
  /** POST /query?q=…; throws unless 200 without an error. Returns the parsed JSON. */
  query(q: string, params?: Record<string, string>): Promise<InfluxQueryResponse>;
  createDatabase(name: string): Promise<void>;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Freezes the process (SIGSTOP): connections are accepted but never answered. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
  /** Stops if running, then starts again on the same ports with the same data. */
  restart(): Promise<void>;
  /** Stops and deletes the temp dir. Safe to call twice. */
  dispose(): Promise<void>;
}

export interface InfluxQueryResponse {
  results: {
    statement_id?: number;
    error?: string;
    series?: { name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }[];
  }[];
  error?: string;
}

const HOST = '127.0.0.1';
const DEFAULT_BINARY = process.env['INFLUXD_BIN'] ?? '/usr/bin/influxd';

/** Starts influxd 1.x and resolves once /ping answers 204. Call dispose() in afterEach/afterAll. */
export async function startInfluxd(options: { binary?: string; startTimeoutMs?: number } = {}): Promise<Influxd> {
  const tempDir = await makeTempDir('influxd');
  const httpPort = await freePort(HOST);
  // influxd 1.x also listens on 127.0.0.1:8088 for backup/restore RPC; a fixed port would clash between tests.
  const rpcPort = await freePort(HOST);
  const dir = tempDir.path;
  const url = `http://${HOST}:${httpPort}`;
  const configPath = path.join(dir, 'influxdb.conf');

  const config = [
    '# Written by test/helpers/influxd.ts for one test; deleted with its temp dir.',
    'reporting-disabled = true',
    `bind-address = "${HOST}:${rpcPort}"`,
    '[meta]',
    `  dir = "${dir}/meta"`,
    '[data]',
    `  dir = "${dir}/data"`,
    `  wal-dir = "${dir}/wal"`,
    '  query-log-enabled = false',
    '[http]',
    '  enabled = true',
    `  bind-address = "${HOST}:${httpPort}"`,
    '  auth-enabled = false',
    '  log-enabled = false',
    '[monitor]',
    '  store-enabled = false',
    '[continuous_queries]',
    '  enabled = false',
    '',
  ].join('\n');

  const server = new HttpServerProcess(
    {
      name: 'influxd',
      binary: options.binary ?? DEFAULT_BINARY,
      installHint: 'install the Debian package influxdb',
      args: () => ['-config', configPath],
      prepare: async () => {
        await mkdir(path.join(dir, 'meta'), { recursive: true });
        await writeFile(configPath, config, 'utf8');
      },
      readyUrl: () => `${url}/ping`,
      readyStatuses: [204],
      startTimeoutMs: options.startTimeoutMs ?? 20_000,
    },
    tempDir,
  );
  try {
    await server.start();
  } catch (error) {
    await server.dispose();
    throw error;
  }

  async function query(q: string, params: Record<string, string> = {}): Promise<InfluxQueryResponse> {
    const response = await fetch(`${url}/query?${new URLSearchParams({ q, ...params })}`, { method: 'POST' });
    const json = (await response.json()) as InfluxQueryResponse;
    const error = json.error ?? json.results.find((r) => r.error !== undefined)?.error;
    if (response.status !== 200 || error !== undefined) throw new Error(`influxd query "${q}": HTTP ${response.status} ${error ?? ''}`);
    return json;
  }

  return {
    url,
    dir,
    get running() {
      return server.running;
    },
    log: () => server.log(),
    query,
    createDatabase: async (name) => void (await query(`CREATE DATABASE "${name.replace(/"/g, '\\"')}"`)),
    stop: (signal) => server.stop(signal),
    pause: () => server.pause(),
    resume: () => server.resume(),
    restart: () => server.restart(),
    dispose: () => server.dispose(),
  };
}
