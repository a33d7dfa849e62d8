/**
 * Test doubles for the GPIO driver: a fake of the same `GpioPort` interface onoff is used through (time is moved by
 * hand with test/helpers/manual-clock.ts).
 */
import type { BinaryValue, GpioDirection, GpioEdge, GpioPort, GpioPortFactory, GpioPortOptions, GpioWatchCallback } from '../../drivers/gpio/gpio-port.js';

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
