import { spawn } from 'node:child_process';
import type { Logger } from '../logger.js';

/** A message that has not been answered by then is given up (systemd-notify waits for the manager). */
const SEND_TIMEOUT_MS = 10_000;

/**
 * Tells systemd about the service (`READY=1`, `WATCHDOG=1`, `STATUS=…`, `RELOADING=1`,
 * `STOPPING=1`) when it runs as a
 * `Type=notify` unit, that is when `$NOTIFY_SOCKET` is set; otherwise does nothing.
 *
 * Node cannot send the AF_UNIX datagrams of the sd_notify protocol, so this runs `systemd-notify`. systemd
 * attributes a message by the sender's PID, which is the helper's, so the unit needs `NotifyAccess=all`. The race
 * where the helper exits before systemd has looked up its unit is closed by systemd-notify itself: without
 * `--no-block` it waits (with a BARRIER=1 message) until the manager has processed the message.
 */
export class SystemdNotifier {
  private readonly socket: string | undefined;
  private missing = false;
  /** The message sent last: each waits for it, so systemd sees RELOADING=1 before the READY=1 that ends it. */
  private previous: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: Logger,
    env: NodeJS.ProcessEnv = process.env,
    private readonly command = 'systemd-notify',
  ) {
    this.socket = env.NOTIFY_SOCKET || undefined;
  }

  /** Whether a service manager listens. */
  get enabled(): boolean {
    return this.socket !== undefined && !this.missing;
  }

  /**
   * Says a reload begins (`RELOADING=1` with `MONOTONIC_USEC`, CLOCK_MONOTONIC in µs, which systemd ≥ 253 wants for
   * `Type=notify-reload`); the `READY=1` of `send` ends it. `monotonicMs` is CLOCK_MONOTONIC in ms (systemClock's).
   */
  reloading(monotonicMs: number, status: string): Promise<boolean> {
    return this.send({ RELOADING: '1', MONOTONIC_USEC: String(Math.floor(monotonicMs * 1000)), STATUS: status });
  }

  /** Sends the fields as one message, after the ones sent before; resolves true once the manager has it, false if it could not be sent. */
  send(fields: Record<string, string>): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    const sent = this.previous.then(() => this.sendNow(fields));
    this.previous = sent;
    return sent;
  }

  private sendNow(fields: Record<string, string>): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    // Values are passed as separate arguments (no shell), and a newline would start a new field: keep one line.
    const args = Object.entries(fields).map(([key, value]) => `${key}=${value.replace(/\n/g, ' ')}`);
    return new Promise((resolve) => {
      const child = spawn(this.command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: SEND_TIMEOUT_MS, killSignal: 'SIGKILL' });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          this.missing = true;
          this.log.error({ command: this.command }, `NOTIFY_SOCKET is set but ${this.command} was not found; systemd will not see readiness or watchdog pings`);
        } else {
          this.log.warn({ error: error.message }, 'could not run systemd-notify');
        }
        resolve(false);
      });
      child.on('close', (code, signal) => {
        if (code === 0) return resolve(true);
        this.log.warn({ fields: Object.keys(fields), code, signal, stderr: stderr.trim() }, 'systemd-notify failed');
        resolve(false);
      });
    });
  }
}
