import type { Reading, Tags } from '../../rules/reading.js';
import type { DriverContext, SourceDriver } from '../driver.js';
import { explainOpenError, GpioAccessError, headerPinNumber, openHeaderChip } from './gpio-access.js';
import { pinName, type GpioCounterPin, type GpioOptions, type GpioPinOptions } from './gpio-options.js';
import { loadOnoffFactory, type GpioPort, type GpioPortFactory, type GpioWatchCallback } from './gpio-port.js';
import type { ClockTimer } from '../clock.js';

/** What tests replace: the GPIO lines (time comes from the context's clock). */
export interface GpioSourceDeps {
  readonly loadPortFactory?: () => Promise<GpioPortFactory>;
}

/** One opened pin and what stopping it takes. */
interface OpenPin {
  readonly options: GpioPinOptions;
  readonly port: GpioPort;
  readonly callback: GpioWatchCallback;
}

/** Pulses of a counter pin since its last emission, and since start. */
interface CounterState {
  pulses: number;
  totalPulses: number;
  since: number;
  timer: ClockTimer | undefined;
}

/**
 * Reads input pins through sysfs GPIO (onoff). A `state` pin emits its value at start and on every debounced
 * change; a `counter` pin counts pulses and every `rate_interval` emits `<name>/rate` (units per second over that
 * interval) and `<name>/total` (units since start). A GPIO that cannot be used fails `start()` with a
 * `GpioAccessError` saying what to do; lines opened before the failure are closed again.
 */
class GpioSource implements SourceDriver {
  private emit: ((reading: Reading) => void) | undefined;
  private open: OpenPin[] = [];
  private readonly counters = new Map<GpioCounterPin, CounterState>();
  private readonly tags: Tags;

  constructor(
    private readonly options: GpioOptions,
    private readonly context: DriverContext,
    private readonly deps: GpioSourceDeps = {},
  ) {
    this.tags = Object.freeze({ ...options.tags });
  }

  async start(emit: (reading: Reading) => void): Promise<void> {
    if (this.emit !== undefined) return;
    const { chip_path: chipPath } = this.options;
    const chip = await openHeaderChip(chipPath, this.options.chip_label);
    // Every number is checked before any line is exported, so a typo leaves nothing half-configured.
    const numbers = this.options.pins.map((pin) => headerPinNumber(chip, pin.pin));
    const factory = await this.loadFactory();
    this.emit = emit;
    try {
      this.options.pins.forEach((pin, i) => this.openPin(factory, pin, numbers[i]!, chipPath));
      this.context.log.info({ chip: chip.name, label: chip.label, base: chip.base }, 'GPIO pins open');
      for (const { options, port } of this.open) {
        if (options.mode === 'state') await this.emitInitial(options, port);
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.emit = undefined;
    for (const counter of this.counters.values()) this.context.clock.clearTimer(counter.timer);
    this.counters.clear();
    for (const { options, port, callback } of this.open.splice(0).reverse()) {
      try {
        port.unwatch(callback);
        port.unexport();
      } catch (error) {
        this.context.log.warn({ pin: options.pin, err: error }, `GPIO${options.pin} did not close cleanly`);
      }
    }
  }

  private async loadFactory(): Promise<GpioPortFactory> {
    try {
      return await (this.deps.loadPortFactory ?? loadOnoffFactory)();
    } catch (error) {
      throw new GpioAccessError(`cannot load onoff, the GPIO library: ${(error as Error).message}`, { cause: error });
    }
  }

  private openPin(factory: GpioPortFactory, pin: GpioPinOptions, sysfs: number, chipPath: string): void {
    let port: GpioPort;
    try {
      port = factory(sysfs, 'in', pin.edge, { debounceTimeout: pin.debounce, activeLow: pin.active_low });
    } catch (error) {
      throw explainOpenError(error, pin.pin, sysfs, chipPath);
    }
    const callback: GpioWatchCallback = (err, value) => this.onEdge(pin, err, value);
    this.open.push({ options: pin, port, callback });
    if (pin.mode === 'counter') this.startCounter(pin);
    port.watch(callback);
    if (pin.pull !== undefined && pin.pull !== 'none') {
      const setting = pin.pull === 'up' ? 'pu' : 'pd';
      this.context.log.info(
        { pin: pin.pin, pull: pin.pull },
        `GPIO${pin.pin} needs pull-${pin.pull}, which sysfs cannot set: add gpio=${pin.pin}=ip,${setting} to /boot/firmware/config.txt (or run pinctrl set ${pin.pin} ip ${setting})`,
      );
    }
  }

  private async emitInitial(pin: GpioPinOptions, port: GpioPort): Promise<void> {
    try {
      this.send(pinName(pin), await port.read(), this.context.now());
    } catch (error) {
      this.context.badInput('gpio-read', `GPIO${pin.pin}: cannot read its initial state`, { pin: pin.pin, error: String(error) });
    }
  }

  private onEdge(pin: GpioPinOptions, err: Error | null | undefined, value: number): void {
    if (this.emit === undefined) return;
    if (err) {
      this.context.badInput('gpio-read', `GPIO${pin.pin}: reading after an edge failed`, { pin: pin.pin, error: String(err) });
      return;
    }
    if (pin.mode === 'state') {
      this.send(pinName(pin), value, this.context.now());
      return;
    }
    const counter = this.counters.get(pin);
    if (counter !== undefined) counter.pulses += 1;
  }

  private startCounter(pin: GpioCounterPin): void {
    const counter: CounterState = { pulses: 0, totalPulses: 0, since: this.context.now(), timer: undefined };
    counter.timer = this.context.clock.setInterval(() => this.emitCounter(pin, counter), pin.rate_interval);
    this.counters.set(pin, counter);
  }

  /**
   * The rate is averaged over the time that really passed since the last emission (a late timer makes a
   * longer interval, not a wrong rate); the total is counted in pulses so that rounding never accumulates.
   */
  private emitCounter(pin: GpioCounterPin, counter: CounterState): void {
    const now = this.context.now();
    const seconds = (now - counter.since) / 1000;
    if (seconds <= 0) return;
    const name = pinName(pin);
    counter.totalPulses += counter.pulses;
    this.send(`${name}/rate`, (counter.pulses * pin.unit_per_pulse) / seconds, now);
    this.send(`${name}/total`, counter.totalPulses * pin.unit_per_pulse, now);
    counter.pulses = 0;
    counter.since = now;
  }

  private send(sensor: string, value: number, timestamp: number): void {
    if (!Number.isFinite(value)) return;
    this.emit?.({ source: this.context.name, sensor, value, timestamp, tags: this.tags });
  }
}

export function createGpioSource(options: GpioOptions, context: DriverContext, deps?: GpioSourceDeps): SourceDriver {
  return new GpioSource(options, context, deps);
}
