import { spawn, type ChildProcess } from 'node:child_process';
import { constants, existsSync, openSync, closeSync, realpathSync, rmSync, write } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tty from 'node:tty';
import { makeTempDir, type TempDir } from './temp-dir.js';

/**
 * Two kernel pseudo-terminals joined by socat, like a serial cable between the driver and the test: bytes the
 * test writes to its end arrive at the device end, and the other way round.
 *
 * kill() is an unplug: socat dies, both ptys vanish, and the links are removed as udev removes a
 * /dev/serial/by-id/ link. restart() is a replug: the same link paths, new /dev/pts/N underneath.
 */
export interface PtyPair {
  /** The driver's end: a symlink to a /dev/pts/N, like /dev/serial/by-id/usb-… */
  readonly devicePath: string;
  /** The test's end (the helper holds it open while socat runs). */
  readonly testPath: string;
  readonly dir: string;
  readonly running: boolean;
  /** Writes bytes to the test's end; they come out at the device end. */
  write(data: string | Buffer): Promise<void>;
  /** Everything the driver wrote to the device end since the last (re)start. */
  received(): Buffer;
  /** Waits until `received()` satisfies the predicate. */
  waitForReceived(predicate: (received: Buffer) => boolean, timeoutMs?: number): Promise<Buffer>;
  /** Calls `onData` with each chunk the driver writes, until restart or dispose; returns an unsubscribe. */
  onData(listener: (chunk: Buffer) => void): () => void;
  /** Unplug: SIGKILL socat, close the test's end, remove the links. No-op if not running. */
  kill(): Promise<void>;
  /** Replug: kill if running, then start socat again with the same link paths. */
  restart(): Promise<void>;
  /** Kill and delete the temp dir. Safe to call twice. */
  dispose(): Promise<void>;
  /** socat's own log (it runs with -d -d), for assertion messages. */
  log(): string;
}

export interface PtyPairOptions {
  /** Default $SOCAT_BIN or /usr/bin/socat (Debian package socat). */
  binary?: string;
  /** How long start and restart wait for the links. Default 5000 ms. */
  startTimeoutMs?: number;
}

const DEFAULT_BINARY = process.env['SOCAT_BIN'] ?? '/usr/bin/socat';
const LOG_LIMIT = 64 * 1024;

/**
 * Pairs not yet disposed, killed if the test process exits normally. If it is killed instead, the test's end closes
 * with it and socat ends on its own (it stops when a side it reads from is closed).
 */
const live = new Set<Pair>();
let exitHookInstalled = false;

/** Starts socat with two linked ptys in a fresh temp dir and resolves once both ends can be opened. */
export async function startPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  installExitHook();
  const dir = await makeTempDir('pty');
  const pair = new Pair(dir, options);
  live.add(pair);
  try {
    await pair.start();
  } catch (error) {
    await pair.dispose();
    throw error;
  }
  return pair;
}

interface Run {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  hasExited: boolean;
  fd: number | undefined;
  reader: tty.ReadStream | undefined;
}

class Pair implements PtyPair {
  readonly devicePath: string;
  readonly testPath: string;
  private run: Run | undefined;
  private output = '';
  private receivedBytes: Buffer = Buffer.alloc(0);
  private readonly listeners = new Set<(chunk: Buffer) => void>();
  private disposed = false;
  private readonly binary: string;
  private readonly startTimeoutMs: number;

  constructor(
    private readonly tempDir: TempDir,
    options: PtyPairOptions,
  ) {
    this.devicePath = path.join(tempDir.path, 'device');
    this.testPath = path.join(tempDir.path, 'test');
    this.binary = options.binary ?? DEFAULT_BINARY;
    this.startTimeoutMs = options.startTimeoutMs ?? 5_000;
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

  received(): Buffer {
    return this.receivedBytes;
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async waitForReceived(predicate: (received: Buffer) => boolean, timeoutMs = 5_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.receivedBytes)) {
      if (Date.now() > deadline) {
        throw new Error(`pty pair: timed out waiting for data from the device end; received ${JSON.stringify(this.receivedBytes.toString('latin1'))}`);
      }
      await sleep(10);
    }
    return this.receivedBytes;
  }

  async write(data: string | Buffer): Promise<void> {
    const fd = this.run?.fd;
    if (fd === undefined) throw new Error('pty pair is not running; restart() it first');
    let buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    // The fd is non-blocking (the tty reader made it so): a full pty buffer is EAGAIN, wait and go on.
    while (buffer.length > 0) {
      try {
        const written = await new Promise<number>((resolve, reject) => write(fd, buffer, (error, n) => (error ? reject(error) : resolve(n))));
        buffer = buffer.subarray(written);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        await sleep(5);
      }
    }
  }

  async start(): Promise<void> {
    this.assertNotDisposed();
    this.removeLinks();
    this.receivedBytes = Buffer.alloc(0);
    this.append(`[helper] starting ${this.binary}\n`);
    const child = spawn(
      this.binary,
      ['-d', '-d', `pty,raw,echo=0,link=${this.testPath}`, `pty,raw,echo=0,link=${this.devicePath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let markExited: () => void = () => undefined;
    const run: Run = { child, exited: new Promise<void>((resolve) => (markExited = resolve)), hasExited: false, fd: undefined, reader: undefined };
    let spawnError: string | undefined;
    child.stderr?.on('data', (chunk: Buffer) => this.append(chunk.toString('utf8')));
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error.code === 'ENOENT' ? `${this.binary} not found: install the Debian package socat` : error.message;
      run.hasExited = true;
      markExited();
    });
    child.once('exit', (code, signal) => {
      this.append(`[helper] socat ended: ${signal ?? `code ${String(code)}`}\n`);
      run.hasExited = true;
      markExited();
    });
    this.run = run;

    // socat creates each link after opening its pty and logs "starting data transfer loop" once both are set up.
    const deadline = Date.now() + this.startTimeoutMs;
    while (!(existsSync(this.testPath) && existsSync(this.devicePath) && /starting data transfer loop/.test(this.output))) {
      if (run.hasExited || Date.now() > deadline) {
        child.kill('SIGKILL');
        await run.exited;
        this.run = undefined;
        throw new Error(`socat did not set up the pty pair: ${spawnError ?? 'timed out'}\n--- socat output ---\n${this.output}`);
      }
      await sleep(10);
    }
    this.append(`[helper] test end ${realpathSync(this.testPath)}, device end ${realpathSync(this.devicePath)}\n`);
    // The test's end stays open as long as socat runs: socat ends the pair when a side it reads from is closed.
    run.fd = openSync(this.testPath, constants.O_RDWR | constants.O_NOCTTY);
    const reader = new tty.ReadStream(run.fd);
    reader.on('data', (chunk: Buffer) => {
      this.receivedBytes = Buffer.concat([this.receivedBytes, chunk]);
      for (const listener of this.listeners) listener(chunk);
    });
    // EIO once socat is gone: the expected end of an unplugged pty.
    reader.on('error', () => undefined);
    run.reader = reader;
  }

  async kill(): Promise<void> {
    const run = this.run;
    if (run === undefined) return;
    this.run = undefined;
    if (!run.hasExited) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    if (run.reader !== undefined) {
      // destroy() closes the fd too.
      run.reader.destroy();
    } else if (run.fd !== undefined) {
      closeSync(run.fd);
    }
    this.removeLinks();
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    try {
      await this.kill();
    } finally {
      this.listeners.clear();
      live.delete(this);
      await this.tempDir.remove();
    }
  }

  /** Synchronous last resort for process 'exit'. */
  killNow(): void {
    const run = this.run;
    if (run !== undefined && !run.hasExited) run.child.kill('SIGKILL');
    this.tempDir.removeSync();
  }

  private removeLinks(): void {
    rmSync(this.testPath, { force: true });
    rmSync(this.devicePath, { force: true });
  }

  private append(text: string): void {
    this.output += text;
    if (this.output.length > LOG_LIMIT) this.output = this.output.slice(-LOG_LIMIT);
  }

  private assertNotDisposed(): void {
    if (this.disposed) throw new Error('pty pair was disposed; start a new one');
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pair of live) pair.killNow();
    live.clear();
  });
}
