import { realpath } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import type { Reading } from '../../rules/reading.js';
import type { Clock, ClockTimer } from '../clock.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { ReconnectLoop } from '../reconnect-loop.js';
import { RetryDelay } from '../retry-delay.js';
import { safePreview } from '../safe-text.js';
import { hangupAwareBinding } from './hangup-aware-binding.js';
import { LineFramer, type FramerSink } from './line-framer.js';
import { SerialLineParser } from './serial-line-parser.js';
import type { SerialSourceOptions } from './serial-options.js';

const CLOSE_GRACE_MS = 1_000;

/**
 * Reads lines from a serial device and turns them into readings. The device may be absent at start, unplugged and
 * plugged in again: the port is reopened with a growing wait, and `path` (often a /dev/serial/by-id/ symlink,
 * which points at a new ttyUSBn after a replug) is resolved again before every attempt.
 */
export function createSerialSource(options: SerialSourceOptions, context: DriverContext): SourceDriver {
  return new SerialSource(options, context);
}

class SerialSource implements SourceDriver {
  private emit: (reading: Reading, timeFromInput?: boolean) => void = () => undefined;
  private port: SerialPort | undefined;
  private stopped = false;
  /** Opens the port, again after a failure with a growing wait; stop() waits for an attempt under way. */
  private readonly reconnect: ReconnectLoop;
  private pollTimer: ClockTimer | undefined;
  private answerTimer: ClockTimer | undefined;
  private readonly clock: Clock;
  /** One warning per outage, not one per retry, so a missing device does not flood the journal. */
  private reportedDown = false;
  private readonly framer: LineFramer;
  private readonly parser: SerialLineParser;
  private readonly readings: Reading[] = [];
  private readonly framerSink: FramerSink;

  constructor(
    private readonly options: SerialSourceOptions,
    private readonly context: DriverContext,
  ) {
    this.clock = context.clock;
    this.reconnect = new ReconnectLoop(context.clock, RetryDelay.doubling(options.reconnect.initial, options.reconnect.max), () => this.connect());
    this.framer = new LineFramer(options.delimiter, options.max_line_bytes);
    this.parser = new SerialLineParser({
      format: options.format,
      source: context.name,
      sensorPrefix: options.sensor_prefix ?? context.name,
      ignoreFields: options.ignore_fields,
      tags: options.tags,
    });
    this.framerSink = {
      line: (bytes) => this.onLine(bytes),
      overflow: (firstBytes) =>
        context.badInput('serial-line-too-long', `line longer than max_line_bytes (${options.max_line_bytes}) dropped`, {
          path: options.path,
          line: safePreview(firstBytes, 64),
        }),
    };
  }

  async start(emit: (reading: Reading, timeFromInput?: boolean) => void): Promise<void> {
    this.emit = emit;
    this.stopped = false;
    this.context.setConnected(false, 'opening');
    // The first attempt is awaited so start() reports a device that is there as connected; an absent one is retried.
    await this.reconnect.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const attempt = this.reconnect.stop();
    this.stopPolling();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await closePort(port, this.clock);
    await attempt;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let device: string;
    try {
      device = await realpath(this.options.path);
    } catch (error) {
      this.retry(explainOpenError(this.options.path, error));
      return;
    }
    let port: SerialPort;
    try {
      const portOptions = {
        path: device,
        baudRate: this.options.baud_rate,
        dataBits: this.options.data_bits,
        parity: this.options.parity,
        stopBits: this.options.stop_bits,
        autoOpen: false,
        // SerialPort takes a binding at run time (its types leave it out): ours notices a hung-up device.
        binding: hangupAwareBinding,
      };
      port = new SerialPort(portOptions);
      await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      this.retry(explainOpenError(this.options.path, error));
      return;
    }
    if (this.stopped) {
      await closePort(port, this.clock);
      return;
    }
    this.port = port;
    this.reconnect.connected();
    this.framer.reset();
    this.parser.reset();
    port.on('data', (chunk: Buffer) => {
      if (this.port === port) this.framer.push(chunk, this.framerSink);
    });
    // Without a listener an 'error' (a write to a vanished device) would be an uncaught exception.
    port.on('error', (error: Error) => {
      this.context.log.debug({ path: this.options.path, error: error.message }, 'serial port error');
      if (this.port === port && !port.isOpen) this.lost(port, error.message);
    });
    port.on('close', (error: Error | null) => this.lost(port, error?.message ?? 'port closed'));
    this.reportedDown = false;
    this.context.setConnected(true);
    this.context.log.info({ path: this.options.path, device, baud_rate: this.options.baud_rate }, 'serial port open');
    this.startPolling(port);
  }

  /** The port closed under us: unplugged, or the device went away. */
  private lost(port: SerialPort, reason: string): void {
    if (this.port !== port) return;
    this.port = undefined;
    this.stopPolling();
    port.removeAllListeners('data');
    if (port.isOpen) port.close(() => undefined);
    if (this.stopped) return;
    this.retry(`${this.options.path}: device disconnected (${reason})`);
  }

  private retry(reason: string): void {
    if (this.stopped) return;
    this.context.setConnected(false, reason);
    if (!this.reportedDown) {
      this.reportedDown = true;
      this.context.log.warn({ path: this.options.path, reason }, 'serial device unavailable; retrying in the background');
    }
    this.reconnect.failed();
  }

  private onLine(bytes: Buffer): void {
    if (this.answerTimer !== undefined) {
      this.clock.clearTimer(this.answerTimer);
      this.answerTimer = undefined;
    }
    this.readings.length = 0;
    const arrival = this.context.now();
    const problem = this.parser.parse(bytes, arrival, this.readings);
    if (problem) this.context.badInput(problem.kind, problem.message, { path: this.options.path, line: safePreview(bytes) });
    // A time other than the arrival time came from the line (json timestamp_field, GPS time); one equal to it needs no check.
    for (const reading of this.readings) this.emit(reading, reading.timestamp !== arrival);
  }

  private startPolling(port: SerialPort): void {
    const poll = this.options.poll;
    if (poll === undefined) return;
    const send = () => {
      if (this.port !== port || !port.isOpen) return;
      if (this.answerTimer === undefined) {
        this.answerTimer = this.clock.setTimeout(() => {
          this.answerTimer = undefined;
          this.context.badInput('serial-poll-timeout', `no answer to the poll command within ${poll.timeout} ms`, {
            path: this.options.path,
            command: safePreview(poll.command),
          });
        }, poll.timeout);
      }
      port.write(poll.command, (error) => {
        if (error) this.context.log.debug({ path: this.options.path, error: error.message }, 'poll command not written');
      });
    };
    send();
    this.pollTimer = this.clock.setInterval(send, poll.interval);
  }

  private stopPolling(): void {
    this.clock.clearTimer(this.pollTimer);
    this.clock.clearTimer(this.answerTimer);
    this.pollTimer = undefined;
    this.answerTimer = undefined;
  }
}

/** Closes a port, giving up after a grace period so that stop() stays prompt even if the device hangs. */
async function closePort(port: SerialPort, clock: Clock): Promise<void> {
  let timer: ClockTimer | undefined;
  await Promise.race([
    new Promise<void>((resolve) => port.close(() => resolve())),
    new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, CLOSE_GRACE_MS))),
  ]);
  clock.clearTimer(timer);
}

/** A sentence a user can act on for the usual reasons a serial port does not open. */
export function explainOpenError(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ENOENT' || /no such file/i.test(message)) {
    return `serial port ${path}: no such device — is it plugged in? (ls -l /dev/serial/by-id/)`;
  }
  if (code === 'EACCES' || /permission denied/i.test(message)) {
    return `serial port ${path}: permission denied — add the user to group dialout (sudo usermod -aG dialout tributary)`;
  }
  if (/cannot lock|resource temporarily unavailable|EBUSY/i.test(message)) {
    return `serial port ${path}: in use by another program (a serial console, ModemManager, screen, minicom?)`;
  }
  return `serial port ${path}: ${message}`;
}
