import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TempDir } from './temp-dir.js';
import { ProcessWatchdog } from './process-watchdog.js';

/** How to run one HTTP server binary for a test; shared by the influxd and victoria-metrics helpers. */
export interface HttpServerSpec {
  /** Name for messages, e.g. "influxd". */
  readonly name: string;
  readonly binary: string;
  /** Hint when the binary is missing, e.g. "install the Debian package influxdb". */
  readonly installHint: string;
  /** Arguments for one run; called before every start, after `prepare`. */
  args(): readonly string[];
  /** Writes config files and the like before every start. */
  prepare?(): Promise<void>;
  /** Readiness probe URL, and the statuses that mean ready. */
  readonly readyUrl: () => string;
  readonly readyStatuses: readonly number[];
  readonly startTimeoutMs: number;
}

const LOG_LIMIT = 64 * 1024;
const STOP_TIMEOUT_MS = 10_000;

/** Servers not yet disposed, killed synchronously if the test process exits without disposing them. */
const live = new Set<HttpServerProcess>();
let exitHookInstalled = false;

/**
 * A real server process owned by one test: start, stop, restart, dispose. A watchdog `sh` kills it if the
 * test process dies from a signal (vitest ends workers that way, and then 'exit' handlers never run).
 */
export class HttpServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<string> | undefined;
  private hasExited = true;
  private output = '';
  private disposed = false;
  private readonly watchdog: ProcessWatchdog;

  constructor(
    private readonly spec: HttpServerSpec,
    readonly tempDir: TempDir,
  ) {
    installExitHook();
    live.add(this);
    this.watchdog = new ProcessWatchdog(tempDir.path);
  }

  get running(): boolean {
    return this.child !== undefined && !this.hasExited;
  }

  log(): string {
    return this.output;
  }

  /** Starts the process and resolves once the readiness URL answers; throws with the server's output if not. */
  async start(): Promise<void> {
    if (this.disposed) throw new Error(`${this.spec.name} was disposed; start a new one`);
    if (this.running) return;
    await this.spec.prepare?.();
    const args = this.spec.args();
    this.append(`[helper] starting ${this.spec.binary} ${args.join(' ')}\n`);
    const child = spawn(this.spec.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => this.append(chunk.toString('utf8'));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.hasExited = false;
    this.exited = new Promise<string>((resolve) => {
      const ended = (reason: string): void => {
        this.hasExited = true;
        if (child.pid !== undefined) this.watchdog.forget(child.pid);
        resolve(reason);
      };
      child.once('error', (err: NodeJS.ErrnoException) =>
        ended(err.code === 'ENOENT' ? `${this.spec.binary} not found: ${this.spec.installHint}` : `could not run ${this.spec.binary}: ${err.message}`),
      );
      child.once('exit', (code, signal) => ended(signal ? `${this.spec.name} was killed by ${signal}` : `${this.spec.name} exited with code ${String(code)}`));
    });
    if (child.pid !== undefined) this.watchdog.watch(child.pid);
    this.child = child;

    const deadline = Date.now() + this.spec.startTimeoutMs;
    for (;;) {
      if (this.hasExited) throw this.startError(await this.exited);
      if (await this.isReady()) {
        if (!this.hasExited) return;
      }
      if (Date.now() > deadline) {
        await this.stop('SIGKILL');
        throw this.startError(`not ready within ${this.spec.startTimeoutMs} ms`);
      }
      await sleep(100);
    }
  }

  /** Stops the process (SIGTERM, SIGKILL after 10 s) and waits for it to exit. No-op if stopped. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === undefined || this.exited === undefined) return;
    if (!this.hasExited) {
      child.kill('SIGCONT'); // a paused process would not act on SIGTERM
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    this.child = undefined;
  }

  /** SIGSTOP: the port still accepts connections but nothing answers, like a hung server. */
  pause(): void {
    if (this.running) this.child!.kill('SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (this.running) this.child!.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await this.stop();
    } finally {
      live.delete(this);
      this.watchdog.dispose();
      await this.tempDir.remove();
    }
  }

  /** Synchronous last resort for process 'exit'. */
  killNow(): void {
    if (this.child !== undefined && !this.hasExited) this.child.kill('SIGKILL');
    this.watchdog.dispose();
    this.tempDir.removeSync();
  }

  private async isReady(): Promise<boolean> {
    try {
      const response = await fetch(this.spec.readyUrl(), { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      return this.spec.readyStatuses.includes(response.status);
    } catch {
      return false;
    }
  }

  private startError(reason: string): Error {
    return new Error(`${this.spec.name} did not start: ${reason}\n--- ${this.spec.name} output ---\n${this.output}`);
  }

  private append(text: string): void {
    this.output += text;
    if (this.output.length > LOG_LIMIT) this.output = this.output.slice(-LOG_LIMIT);
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const server of live) server.killNow();
    live.clear();
  });
}
