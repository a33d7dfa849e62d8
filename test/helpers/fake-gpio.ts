/**
 * Test doubles for the GPIO driver: a fake of the same `GpioPort` interface onoff is used through, and timers
 * moved by hand. They live here rather than in test/helpers only because this driver landed on its own.
 */
import type { BinaryValue, GpioDirection, GpioEdge, GpioPort, GpioPortFactory, GpioPortOptions, GpioWatchCallback } from '../../drivers/gpio/gpio-port.js';
import type { Timers } from '../../drivers/gpio/timers.js';

export class FakeGpioPort implements GpioPort {
  value: BinaryValue = 0;
  readonly writes: BinaryValue[] = [];
  readonly callbacks: GpioWatchCallback[] = [];
  unexported = false;
  unwatchCalls = 0;

  constructor(
    readonly gpio: number,
    readonly direction: GpioDirection,
    readonly edge: GpioEdge,
    readonly options: GpioPortOptions,
  ) {}

  async read(): Promise<BinaryValue> {
    return this.value;
  }
  async write(value: BinaryValue): Promise<void> {
    this.value = value;
    this.writes.push(value);
  }
  watch(callback: GpioWatchCallback): void {
    this.callbacks.push(callback);
  }
  unwatch(callback?: GpioWatchCallback): void {
    this.unwatchCalls += 1;
    const keep = callback === undefined ? [] : this.callbacks.filter((c) => c !== callback);
    this.callbacks.splice(0, this.callbacks.length, ...keep);
  }
  unexport(): void {
    this.unexported = true;
  }

  /** What onoff does after a (debounced) interrupt: read the line and call every watcher with the value. */
  interrupt(value: BinaryValue, err: Error | null = null): void {
    this.value = value;
    for (const callback of [...this.callbacks]) callback(err, value);
  }
}

/** A factory that records every line it opens, and can be told to fail like onoff does for some numbers. */
export class FakeGpioBus {
  readonly ports = new Map<number, FakeGpioPort>();
  readonly failures = new Map<number, string>();

  readonly factory: GpioPortFactory = (gpio, direction, edge, options) => {
    const code = this.failures.get(gpio);
    if (code !== undefined) {
      throw Object.assign(new Error(`${code}: fake failure, write '/sys/class/gpio/export'`), { code });
    }
    const port = new FakeGpioPort(gpio, direction, edge, options);
    this.ports.set(gpio, port);
    return port;
  };

  readonly load = async () => this.factory;

  port(gpio: number): FakeGpioPort {
    const port = this.ports.get(gpio);
    if (port === undefined) throw new Error(`gpio${gpio} was not opened`);
    return port;
  }
}

/** A clock and timers that move only when told: `advance(ms)` runs every timer due on the way, in order. */
export class FakeClock implements Timers {
  now = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; every: number | undefined; callback: () => void }>();

  setInterval(callback: () => void, ms: number): unknown {
    return this.add(callback, ms, ms);
  }
  clearInterval(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  setTimeout(callback: () => void, ms: number): unknown {
    return this.add(callback, ms, undefined);
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get timerCount(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.now = Math.max(this.now, timer.at);
      if (timer.every === undefined) this.pending.delete(id);
      else timer.at += timer.every;
      timer.callback();
    }
    this.now = end;
  }

  private add(callback: () => void, ms: number, every: number | undefined): number {
    const id = this.nextId++;
    this.pending.set(id, { at: this.now + ms, every, callback });
    return id;
  }
}
