/**
 * The part of onoff's `Gpio` that the GPIO driver uses, as an interface, so tests drive a fake of the same shape
 * (no test machine has GPIO hardware) and only a config that uses GPIO loads onoff and its native epoll binding.
 */

export type BinaryValue = 0 | 1;
/** `high` and `low` configure an output and set its raw level at once, without a glitch. */
export type GpioDirection = 'in' | 'out' | 'high' | 'low';
export type GpioEdge = 'none' | 'rising' | 'falling' | 'both';

export interface GpioPortOptions {
  /** Milliseconds the line must be quiet before a change is reported (onoff debounces trailing-edge). */
  readonly debounceTimeout?: number;
  /** Invert the line: a low level reads as 1 and writing 1 drives it low. */
  readonly activeLow?: boolean;
}

export type GpioWatchCallback = (err: Error | null | undefined, value: BinaryValue) => void;

/** One exported sysfs GPIO line. */
export interface GpioPort {
  /** The line's current (active-low adjusted) value. */
  read(): Promise<BinaryValue>;
  /** Drives an output line. */
  write(value: BinaryValue): Promise<void>;
  /** Calls back on every (debounced) interrupt of the configured edge, with the value read after it. */
  watch(callback: GpioWatchCallback): void;
  /** Removes one callback, or all of them when none is given. */
  unwatch(callback?: GpioWatchCallback): void;
  /** Closes the line and gives it back to the kernel. */
  unexport(): void;
}

/**
 * Exports and configures sysfs GPIO number `gpio` (the chip base plus the BCM number, see `gpio-chip.ts`).
 * Throws as onoff does: an `Error` with `code` EACCES, EBUSY, EINVAL, ENOENT … (see `gpio-errors.ts`).
 */
export type GpioPortFactory = (
  gpio: number,
  direction: GpioDirection,
  edge: GpioEdge,
  options: GpioPortOptions,
) => GpioPort;

/** The real factory: onoff, imported only now, since it loads a native module that exists only on Linux. */
export async function loadOnoffFactory(): Promise<GpioPortFactory> {
  const { Gpio } = await import('onoff');
  return (gpio, direction, edge, options) => new Gpio(gpio, direction, edge, options);
}
