/** A timer made by a `Clock`; only that clock can clear it. */
export type ClockTimer = { readonly __clockTimer: unique symbol };

/**
 * Time as the agent and its drivers see it: wall time, monotonic time and timers, injected (Telegraf's
 * `internal/clock`) so tests move time with `ManualClock` (test/helpers/manual-clock.ts) instead of sleeping.
 */
export interface Clock {
  /** Wall-clock time, ms since the epoch: for timestamps. It can step when the system clock is set. */
  now(): number;
  /** Monotonic time in ms, never set or stepped: for measuring waits and intervals. Its origin means nothing. */
  monotonic(): number;
  /** Calls `callback` once, `ms` from now. */
  setTimeout(callback: () => void, ms: number): ClockTimer;
  /** Calls `callback` every `ms` until cleared. */
  setInterval(callback: () => void, ms: number): ClockTimer;
  /** Clears a timer of either kind; undefined or one already fired is fine. */
  clearTimer(timer: ClockTimer | undefined): void;
  /** Lets the process exit while only this timer waits (Node's `unref`): for a timer that must not hold a stop up. */
  unref(timer: ClockTimer): ClockTimer;
  /** Resolves `ms` from now. */
  sleep(ms: number): Promise<void>;
}

/** Milliseconds of CLOCK_MONOTONIC on Linux (since boot), the clock `process.hrtime` reads. */
function hrtimeMs(): number {
  // Whole microseconds first: nanoseconds since boot outgrow a double's exact integers after about 104 days.
  return Number(process.hrtime.bigint() / 1_000n) / 1_000;
}

/**
 * `performance.now()` reads the same clock as `process.hrtime`, counted from the process's start; the difference is
 * taken once (around a read of each, after a first call that sets performance up), so that reading the clock before
 * every reading makes no BigInts (issue 24: allocations per reading).
 */
const PROCESS_START_SINCE_BOOT_MS = (() => {
  performance.now();
  const before = hrtimeMs();
  const now = performance.now();
  return (before + hrtimeMs()) / 2 - now;
})();

function systemMonotonic(): number {
  return PROCESS_START_SINCE_BOOT_MS + performance.now();
}

/** The system's clocks and Node's timers. */
export const systemClock: Clock = {
  now: Date.now,
  monotonic: systemMonotonic,
  setTimeout: (callback, ms) => setTimeout(callback, ms) as unknown as ClockTimer,
  setInterval: (callback, ms) => setInterval(callback, ms) as unknown as ClockTimer,
  // clearTimeout and clearInterval clear either kind of Node timer.
  clearTimer: (timer) => clearTimeout(timer as unknown as NodeJS.Timeout | undefined),
  unref: (timer) => ((timer as unknown as NodeJS.Timeout).unref() as unknown as ClockTimer),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
