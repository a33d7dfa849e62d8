import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { makeTempDir, type TempDir } from './temp-dir.js';
import { ProcessWatchdog } from './process-watchdog.js';

/** Options for startMosquitto; every field has a default that suits the tests. */
export interface MosquittoOptions {
  /** Port to listen on (127.0.0.1 only). Default: a free port chosen at start. */
  port?: number;
  /** Seconds between persistence saves while running; mosquitto also saves on a clean stop. Default 1. */
  autosaveIntervalSeconds?: number;
  /** Extra mosquitto.conf lines appended verbatim, e.g. ['max_queued_messages 10']. */
  extraConfig?: readonly string[];
  /** How long start and restart wait for the port to accept connections. Default 10000 ms. */
  startTimeoutMs?: number;
  /** The broker binary. Default: $MOSQUITTO_BIN or /usr/sbin/mosquitto (Debian package). */
  binary?: string;
  /** Makes the listener a TLS one (`url` then starts with mqtts://); see test/helpers/tls-certificates.ts. */
  tls?: MosquittoTlsOptions;
  /** A mosquitto password file (`mosquitto_passwd`): anonymous clients are then refused. Default: anyone may connect. */
  passwordFile?: string;
  /** A mosquitto ACL file (`acl_file`), e.g. config/fleet-mosquitto.acl; what it does not grant is denied. Default: none. */
  aclFile?: string;
}

/** PEM files for a TLS listener. */
export interface MosquittoTlsOptions {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Refuse clients without a certificate signed by `caFile`. Default false. */
  requireCertificate?: boolean;
}

export interface StopOptions {
  /** SIGTERM (default) lets mosquitto save its persistence file; SIGKILL simulates a crash. */
  signal?: 'SIGTERM' | 'SIGKILL';
}

/** A real mosquitto process owned by one test, with its config and persistence in a temp dir. */
export interface MosquittoBroker {
  readonly host: '127.0.0.1';
  /** Stays the same across stop/restart. */
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>`, or `mqtts://…` with a TLS listener. */
  readonly url: string;
  /** Temp dir holding mosquitto.conf and mosquitto.db. */
  readonly dir: string;
  /** True between a successful start/restart and stop. */
  readonly running: boolean;
  /** Everything mosquitto printed (last ~64 KB, all runs), for assertion messages. */
  log(): string;
  /** Stops the process and waits for it to exit; afterwards the port refuses connections. No-op if stopped. */
  stop(options?: StopOptions): Promise<void>;
  /** Stops if running, then starts again on the same port with the same persistence file. */
  restart(): Promise<void>;
  /** Stops and deletes the temp dir. Safe to call twice. */
  dispose(): Promise<void>;
}

const HOST = '127.0.0.1';
const DEFAULT_BINARY = process.env['MOSQUITTO_BIN'] ?? '/usr/sbin/mosquitto';
const LOG_LIMIT = 64 * 1024;
const STOP_TIMEOUT_MS = 10_000;
// A freshly closed port can briefly fail to bind; on restart we must keep the same port, so retry.
const REBIND_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 5;

/** Brokers not yet disposed, killed synchronously if the test process exits without disposing them. */
const live = new Set<Broker>();
let exitHookInstalled = false;

/**
 * Starts a real mosquitto on a free loopback port and resolves once it accepts TCP connections.
 * Call dispose() in afterAll/afterEach; leftovers are killed when the test process exits.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<MosquittoBroker> {
  installExitHook();
  const dir = await makeTempDir('mosquitto');
  const broker = new Broker(dir, options);
  live.add(broker);
  try {
    await broker.firstStart(options.port);
  } catch (err) {
    await broker.dispose();
    throw err;
  }
  return broker;
}

interface Run {
  readonly child: ChildProcess;
  /** Resolves with a sentence saying how the process ended. */
  readonly exited: Promise<string>;
  hasExited: boolean;
}

type LaunchResult = { ok: true } | { ok: false; addressInUse: boolean; reason: string };

class Broker implements MosquittoBroker {
  readonly host = HOST;
  private currentPort = 0;
  private run: Run | undefined;
  private output = '';
  private disposed = false;
  private readonly watchdog: ProcessWatchdog;
  private readonly binary: string;
  private readonly startTimeoutMs: number;

  constructor(
    private readonly tempDir: TempDir,
    private readonly options: MosquittoOptions,
  ) {
    this.binary = options.binary ?? DEFAULT_BINARY;
    this.startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.watchdog = new ProcessWatchdog(tempDir.path);
  }

  get port(): number {
    return this.currentPort;
  }

  get url(): string {
    return `${this.options.tls ? 'mqtts' : 'mqtt'}://${HOST}:${this.currentPort}`;
  }

  get dir(): string {
    return this.tempDir.path;
  }

  get running(): boolean {
    return this.run !== undefined && !this.run.hasExited;
  }

  log(): string {
    return this.output;
  }

  /** Picks a port; if another process grabs it first (bind fails) and none was requested, tries another. */
  async firstStart(requestedPort: number | undefined): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.currentPort = requestedPort ?? (await freePort(HOST));
      const result = await this.launch();
      if (result.ok) return;
      const retry = result.addressInUse && requestedPort === undefined && attempt < PORT_ATTEMPTS;
      if (!retry) throw this.startError(result.reason);
    }
  }

  async restart(): Promise<void> {
    this.assertNotDisposed();
    await this.stop();
    const deadline = Date.now() + REBIND_TIMEOUT_MS;
    for (;;) {
      const result = await this.launch();
      if (result.ok) return;
      if (!result.addressInUse || Date.now() > deadline) throw this.startError(result.reason);
      await sleep(200);
    }
  }

  async stop(options: StopOptions = {}): Promise<void> {
    const run = this.run;
    if (run === undefined) return;
    if (!run.hasExited) {
      const signal = options.signal ?? 'SIGTERM';
      run.child.kill(signal);
      if (!(await settlesWithin(run.exited, STOP_TIMEOUT_MS))) {
        this.append(`[helper] mosquitto ignored ${signal} for ${STOP_TIMEOUT_MS} ms; sending SIGKILL\n`);
        run.child.kill('SIGKILL');
        await run.exited;
      }
    }
    this.run = undefined;
    // The process is gone, so the kernel has closed its listening socket; check anyway, because
    // outage tests rely on "stopped" meaning "refuses connections", not "still draining".
    const deadline = Date.now() + 2_000;
    while (await canConnect(this.currentPort, 200)) {
      if (Date.now() > deadline) {
        throw new Error(`mosquitto stopped but ${HOST}:${this.currentPort} still accepts connections; another process holds the port`);
      }
      await sleep(50);
    }
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

  /** Synchronous last resort for process 'exit': nothing async can run there. */
  killNow(): void {
    const run = this.run;
    if (run !== undefined && !run.hasExited) run.child.kill('SIGKILL');
    this.watchdog.dispose();
    this.tempDir.removeSync();
  }

  /** Spawns mosquitto and waits until it accepts connections, or says why it did not. */
  private async launch(): Promise<LaunchResult> {
    // Readiness is "the port accepts connections", so a port someone else already listens on
    // would look ready at once; mosquitto would then exit with a bind error a moment later.
    if (await canConnect(this.currentPort, 500)) {
      this.append(`[helper] ${HOST}:${this.currentPort} already accepts connections; not starting\n`);
      return { ok: false, addressInUse: true, reason: `Address already in use: another process listens on ${HOST}:${this.currentPort}` };
    }
    const confPath = path.join(this.dir, 'mosquitto.conf');
    await writeFile(confPath, this.config(), 'utf8');
    this.append(`[helper] starting ${this.binary} on ${HOST}:${this.currentPort}\n`);

    const child = spawn(this.binary, ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let runOutput = ''; // this run only, to tell a bind failure from other exits
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      this.append(text);
      runOutput = (runOutput + text).slice(-LOG_LIMIT);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    let markExited: (reason: string) => void = () => undefined;
    const run: Run = {
      child,
      exited: new Promise<string>((resolve) => (markExited = resolve)),
      hasExited: false,
    };
    const ended = (reason: string): void => {
      run.hasExited = true;
      if (child.pid !== undefined) this.watchdog.forget(child.pid);
      markExited(reason);
    };
    child.once('error', (err: NodeJS.ErrnoException) =>
      ended(
        err.code === 'ENOENT'
          ? `${this.binary} not found: install the Debian package mosquitto (bash test/run-all.sh does this)`
          : `could not run ${this.binary}: ${err.message}`,
      ),
    );
    child.once('exit', (code, signal) =>
      ended(signal ? `mosquitto was killed by ${signal}` : `mosquitto exited with code ${String(code)}`),
    );
    if (child.pid !== undefined) this.watchdog.watch(child.pid);
    this.run = run;

    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      if (run.hasExited) {
        this.run = undefined;
        const reason = await run.exited;
        return { ok: false, addressInUse: /Address already in use/i.test(runOutput), reason };
      }
      if ((await canConnect(this.currentPort, 500)) && !run.hasExited) return { ok: true };
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await run.exited;
        this.run = undefined;
        return { ok: false, addressInUse: false, reason: `no connection accepted within ${this.startTimeoutMs} ms` };
      }
      await sleep(50);
    }
  }

  private config(): string {
    const lines = [
      '# Written by test/helpers/mosquitto.ts for one test; deleted with its temp dir.',
      `listener ${this.currentPort} ${HOST}`,
      ...this.tlsConfig(),
      ...(this.options.passwordFile === undefined
        ? ['allow_anonymous true']
        : ['allow_anonymous false', `password_file ${this.options.passwordFile}`]),
      ...(this.options.aclFile === undefined ? [] : [`acl_file ${this.options.aclFile}`]),
      // Persistent sessions and queued QoS 1 messages must survive restart() for outage tests.
      'persistence true',
      `persistence_location ${this.dir}/`,
      `autosave_interval ${this.options.autosaveIntervalSeconds ?? 1}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      // As root, mosquitto would otherwise switch to user "mosquitto", which cannot write our temp dir.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      ...(this.options.extraConfig ?? []),
    ];
    return lines.join('\n') + '\n';
  }

  /** TLS settings of the listener above them (mosquitto applies them to the latest `listener` line). */
  private tlsConfig(): string[] {
    const tls = this.options.tls;
    if (tls === undefined) return [];
    return [
      `cafile ${tls.caFile}`,
      `certfile ${tls.certFile}`,
      `keyfile ${tls.keyFile}`,
      `require_certificate ${tls.requireCertificate === true ? 'true' : 'false'}`,
    ];
  }

  private startError(reason: string): Error {
    return new Error(`mosquitto on ${HOST}:${this.currentPort} did not start: ${reason}\n--- mosquitto output ---\n${this.output}`);
  }

  private append(text: string): void {
    this.output += text;
    if (this.output.length > LOG_LIMIT) this.output = this.output.slice(-LOG_LIMIT);
  }

  private assertNotDisposed(): void {
    if (this.disposed) throw new Error('mosquitto broker was disposed; start a new one');
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const broker of live) broker.killNow();
    live.clear();
  });
}

/** Resolves true if promise settles within ms, false otherwise; never leaves a timer behind. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True if something accepts a TCP connection on 127.0.0.1:port within timeoutMs. */
function canConnect(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
