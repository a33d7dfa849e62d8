import { freePort } from './free-port.js';
import { HttpServerProcess } from './http-server-process.js';
import { makeTempDir } from './temp-dir.js';

/** A real single-node VictoriaMetrics owned by one test, on a free loopback port, with its data in a temp dir. */
export interface VictoriaMetrics {
  /** `http://127.0.0.1:<port>`; stays the same across stop/restart. */
  readonly url: string;
  readonly dir: string;
  readonly running: boolean;
  log(): string;
  /** Makes recently written samples searchable (GET /internal/force_flush). */
  flush(): Promise<void>;
  /** GET /api/v1/export for a series selector; one parsed JSON line per series. */
  exportSeries(match: string): Promise<ExportedSeries[]>;
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Freezes the process (SIGSTOP): connections are accepted but never answered. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

/** One line of /api/v1/export: labels (with __name__), values and ms timestamps. */
export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

const HOST = '127.0.0.1';
const DEFAULT_BINARY = process.env['VICTORIA_METRICS_BIN'] ?? '/usr/bin/victoria-metrics';

export interface VictoriaMetricsOptions {
  binary?: string;
  startTimeoutMs?: number;
  /** Extra command-line flags, e.g. ['-dedup.minScrapeInterval=1ms']. */
  extraArgs?: readonly string[];
}

/** Starts victoria-metrics and resolves once /health answers 200. Call dispose() in afterEach/afterAll. */
export async function startVictoriaMetrics(options: VictoriaMetricsOptions = {}): Promise<VictoriaMetrics> {
  const tempDir = await makeTempDir('victoria-metrics');
  const port = await freePort(HOST);
  const url = `http://${HOST}:${port}`;
  const server = new HttpServerProcess(
    {
      name: 'victoria-metrics',
      binary: options.binary ?? DEFAULT_BINARY,
      installHint: 'install the Debian package victoria-metrics',
      args: () => [
        `-httpListenAddr=${HOST}:${port}`,
        `-storageDataPath=${tempDir.path}`,
        // Tests write fixed dates in the past; the default retention (1 month) would drop them.
        '-retentionPeriod=100y',
        // Samples this old are otherwise hidden from queries for 30 s by default.
        '-search.latencyOffset=0s',
        '-loggerLevel=WARN',
        ...(options.extraArgs ?? []),
      ],
      readyUrl: () => `${url}/health`,
      readyStatuses: [200],
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

  return {
    url,
    dir: tempDir.path,
    get running() {
      return server.running;
    },
    log: () => server.log(),
    async flush() {
      const response = await fetch(`${url}/internal/force_flush`);
      await response.body?.cancel();
      if (response.status !== 200) throw new Error(`victoria-metrics force_flush: HTTP ${response.status}`);
    },
    async exportSeries(match) {
      const response = await fetch(`${url}/api/v1/export?${new URLSearchParams({ 'match[]': match })}`);
      const text = await response.text();
      if (response.status !== 200) throw new Error(`victoria-metrics export ${match}: HTTP ${response.status} ${text}`);
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as ExportedSeries);
    },
    stop: (signal) => server.stop(signal),
    pause: () => server.pause(),
    resume: () => server.resume(),
    restart: () => server.restart(),
    dispose: () => server.dispose(),
  };
}
