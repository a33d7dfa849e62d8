import type { DriverLogger } from '../driver.js';
import { explainOpenError, headerPinNumber, openHeaderChip } from './gpio-access.js';
import { loadOnoffFactory, type GpioPort, type GpioPortFactory } from './gpio-port.js';
import { type Clock, type ClockTimer, systemClock } from '../clock.js';

export interface GpioOutputOptions {
  /** BCM GPIO number. */
  readonly pin: number;
  /** On drives the line low (a relay board that switches on a low input). */
  readonly activeLow?: boolean;
  /** Longest time the output stays on in one go, in ms; then it is switched off. Undefined: no limit. */
  readonly maxOnMs?: number;
  /** Called when `maxOnMs` switched the output off. */
  readonly onSafetyOff?: () => void;
  readonly chipPath?: string;
  readonly chipLabel?: string;
}

/**
 * One output line (a relay, a buzzer, a lamp) that starts off. With `maxOnMs` it never stays on longer than that
 * in one go: the safety timer starts when the output goes from off to on, and calling `set(true)` again while on
 * does not extend it, so an alert that keeps firing cannot keep a pump running for ever.
 */
export class GpioOutput {
  private on = false;
  private safetyTimer: ClockTimer | undefined;
  private closed = false;

  constructor(
    private readonly port: GpioPort,
    private readonly options: GpioOutputOptions,
    private readonly log?: DriverLogger,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Opens BCM pin `options.pin` as an output that is off. The raw level is chosen so the line is off from the
   * first instant: sysfs `low`/`high` set the raw level, so an active-low output starts `high`.
   */
  static async open(
    options: GpioOutputOptions,
    deps: { loadPortFactory?: () => Promise<GpioPortFactory>; clock?: Clock; log?: DriverLogger } = {},
  ): Promise<GpioOutput> {
    const chipPath = options.chipPath ?? '/sys/class/gpio';
    const chip = await openHeaderChip(chipPath, options.chipLabel);
    const sysfs = headerPinNumber(chip, options.pin);
    const factory = await (deps.loadPortFactory ?? loadOnoffFactory)();
    let port: GpioPort;
    try {
      port = factory(sysfs, options.activeLow ? 'high' : 'low', 'none', { activeLow: options.activeLow ?? false });
    } catch (error) {
      throw explainOpenError(error, options.pin, sysfs, chipPath);
    }
    return new GpioOutput(port, options, deps.log, deps.clock);
  }

  /** Whether the output is on, as last set. */
  get isOn(): boolean {
    return this.on;
  }

  /** Switches the output on or off; resolves once the line has been written. */
  async set(on: boolean): Promise<void> {
    if (this.closed) throw new Error(`GPIO${this.options.pin} output is closed`);
    if (on && !this.on && this.options.maxOnMs !== undefined) {
      this.safetyTimer = this.clock.setTimeout(() => void this.safetyOff(), this.options.maxOnMs);
    }
    if (!on) this.clearSafetyTimer();
    this.on = on;
    await this.port.write(on ? 1 : 0);
  }

  /** Switches off and gives the line back. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.clearSafetyTimer();
    try {
      await this.port.write(0);
    } finally {
      this.closed = true;
      this.on = false;
      this.port.unexport();
    }
  }

  private async safetyOff(): Promise<void> {
    this.safetyTimer = undefined;
    if (!this.on || this.closed) return;
    this.log?.warn(
      { pin: this.options.pin, max_on_ms: this.options.maxOnMs },
      `GPIO${this.options.pin} was on for max_on (${this.options.maxOnMs} ms): switched off`,
    );
    try {
      await this.set(false);
    } catch (error) {
      this.log?.error({ pin: this.options.pin, err: error }, `GPIO${this.options.pin}: switching off after max_on failed`);
    }
    this.options.onSafetyOff?.();
  }

  private clearSafetyTimer(): void {
    if (this.safetyTimer === undefined) return;
    this.clock.clearTimer(this.safetyTimer);
    this.safetyTimer = undefined;
  }
}
