import type { Clock, ClockTimer } from '../../drivers/clock.js';

interface Pending {
  readonly id: number;
  due: number;
  /** For an interval: its period; undefined for a one-shot timer. */
  readonly every: number | undefined;
  readonly callback: () => void;
}

/** Lets promise chains started by a timer (an awaited start, a stop) run before the next timer fires. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A `Clock` that moves only when a test says so: `advance(ms)` fires the timers that fall due on the way, in order of
 * their time (then of their making), each at its own time, and lets what they started settle before the next.
 * Wall and monotonic time move together unless `stepWall` sets the wall clock.
 */
export class ManualClock implements Clock {
  private elapsed = 0;
  private wallOffset: number;
  private nextId = 1;
  private readonly timers = new Map<number, Pending>();

  constructor(wallStart = 1_700_000_000_000) {
    this.wallOffset = wallStart;
  }

  now = (): number => this.wallOffset + this.elapsed;

  monotonic = (): number => this.elapsed;

  setTimeout = (callback: () => void, ms: number): ClockTimer => this.add(callback, ms, false);

  setInterval = (callback: () => void, ms: number): ClockTimer => this.add(callback, ms, true);

  clearTimer = (timer: ClockTimer | undefined): void => {
    if (timer !== undefined) this.timers.delete(timer as unknown as number);
  };

  sleep = (ms: number): Promise<void> => new Promise((resolve) => this.setTimeout(resolve, ms));

  /** No process to keep alive: the timer is as it was. */
  unref = (timer: ClockTimer): ClockTimer => timer;

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Sets the wall clock by `ms` (NTP, a person) without moving monotonic time. */
  stepWall(ms: number): void {
    this.wallOffset += ms;
  }

  /** Moves time `ms` forward, firing every timer due by then in order; resolves once what they started settled. */
  async advance(ms: number): Promise<void> {
    const until = this.elapsed + ms;
    await settle();
    for (;;) {
      const next = this.nextDue();
      if (next === undefined || next.due > until) break;
      this.elapsed = Math.max(this.elapsed, next.due);
      if (next.every === undefined) this.timers.delete(next.id);
      else next.due += next.every;
      next.callback();
      await settle();
    }
    this.elapsed = until;
  }

  /** Moves time to the next timer and fires it (and any due with it); false when none is waiting. */
  async runNext(): Promise<boolean> {
    const next = this.nextDue();
    if (next === undefined) return false;
    await this.advance(Math.max(0, next.due - this.elapsed));
    return true;
  }

  private add(callback: () => void, ms: number, repeat: boolean): ClockTimer {
    const id = this.nextId++;
    // As Node's: a wait below 1 ms (or not a number) is 1 ms.
    const wait = Number.isFinite(ms) && ms >= 1 ? ms : 1;
    this.timers.set(id, { id, due: this.elapsed + wait, every: repeat ? wait : undefined, callback });
    return id as unknown as ClockTimer;
  }

  private nextDue(): Pending | undefined {
    let next: Pending | undefined;
    for (const timer of this.timers.values()) if (next === undefined || timer.due < next.due || (timer.due === next.due && timer.id < next.id)) next = timer;
    return next;
  }
}
