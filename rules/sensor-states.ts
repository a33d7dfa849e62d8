/** A state and when the rule last had a reading for it, on the engine's clock. */
interface Stamped<S> {
  state: S;
  at: number;
}

/**
 * A silent sensor is looked at about this many times per `silentMs`: it is forgotten between `silentMs` and
 * 1.25 × `silentMs` after its last reading.
 */
export const LOOKS_PER_SILENCE = 4;

/**
 * State kept per source and sensor (or per source and another key: a device, a group), stamped with when the rule last
 * had a reading for it, so that the state of sensors gone silent can be forgotten (`agent.forget_silent_sensors`).
 * Where sensor names carry ids that change (a device re-paired, a topic per session) it would otherwise grow for ever.
 * Nested maps rather than one map keyed by `source + key`, so the hot path builds no key strings.
 */
export class SensorStates<S> {
  private readonly sources = new Map<string, Map<string, Stamped<S>>>();
  private count = 0;
  /** Where the last sweep stopped: the next one carries on from there. */
  private cursor: Iterator<[Map<string, Stamped<S>>, string, string, Stamped<S>]> | undefined;
  private readonly pace = new SweepPace();
  /** The clock steps seen so far, summed: stamps are kept on one unbroken timeline, `now - stepped`. */
  private stepped = 0;

  /** How many states are kept. */
  get size(): number {
    return this.count;
  }

  /** The state of `key` of `source`, stamped as seen at `now`; undefined when there is none. */
  seen(source: string, key: string, now: number): S | undefined {
    const stamped = this.sources.get(source)?.get(key);
    if (stamped === undefined) return undefined;
    stamped.at = now - this.stepped;
    return stamped.state;
  }

  /** The state of `key` of `source` without stamping it. */
  get(source: string, key: string): S | undefined {
    return this.sources.get(source)?.get(key)?.state;
  }

  /**
   * Keeps `state` for `key` of `source`, seen at `now`; returns it. NaN for `now` (a state restored after a restart)
   * starts its silence at the next sweep.
   */
  add(source: string, key: string, now: number, state: S): S {
    let keys = this.sources.get(source);
    if (!keys) {
      keys = new Map();
      this.sources.set(source, keys);
    }
    if (!keys.has(key)) this.count += 1;
    keys.set(key, { state, at: now - this.stepped });
    this.pace.start(now - this.stepped);
    return state;
  }

  forEach(visit: (state: S, source: string, key: string) => void): void {
    for (const [source, keys] of this.sources) for (const [key, stamped] of keys) visit(stamped.state, source, key);
  }

  clear(): void {
    this.sources.clear();
    this.count = 0;
    this.cursor = undefined;
  }

  /** The wall clock was set by `stepMs`: silence goes on being measured as if it had been right all along. */
  clockStepped(stepMs: number): void {
    this.stepped += stepMs;
  }

  /**
   * Forgets the states not seen for `silentMs` by `now`, except those `keep` holds on to (an alert still firing);
   * `forgotten` hears of each one forgotten. Looks at a slice of the states per call, sized by the time since the last
   * call, so that each is looked at about four times per `silentMs`: a call costs next to nothing when little time
   * has passed (the engine may advance after every reading), and no call scans everything unless a long time passed.
   */
  forgetSilent(
    now: number,
    silentMs: number,
    keep?: (state: S, source: string, key: string) => boolean,
    forgotten?: (state: S, source: string, key: string) => void,
  ): void {
    const time = now - this.stepped;
    let looks = Math.min(this.pace.due(time, this.count, silentMs / LOOKS_PER_SILENCE), this.count);
    let restarted = false;
    while (looks > 0) {
      this.cursor ??= this.entries();
      const next = this.cursor.next();
      if (next.done) {
        this.cursor = undefined;
        // Every state looked at once in this call: enough.
        if (restarted) return;
        restarted = true;
        continue;
      }
      looks -= 1;
      const [keys, source, key, stamped] = next.value;
      // Restored after a restart: silent from now on.
      if (Number.isNaN(stamped.at)) stamped.at = time;
      if (time - stamped.at < silentMs || keep?.(stamped.state, source, key)) continue;
      keys.delete(key);
      this.count -= 1;
      if (keys.size === 0) this.sources.delete(source);
      forgotten?.(stamped.state, source, key);
    }
  }

  private *entries(): Generator<[Map<string, Stamped<S>>, string, string, Stamped<S>]> {
    // Map iterators carry on past entries deleted meanwhile, and reach entries added meanwhile.
    for (const [source, keys] of this.sources) for (const [key, stamped] of keys) yield [keys, source, key, stamped];
  }
}

/**
 * How many states a sweep looks at: enough for `size` states in `periodMs`, in proportion to the time since the last
 * sweep, with the fractions carried over. Never more than `size` at once, however long the gap.
 */
export class SweepPace {
  private last = Number.NaN;
  private credit = 0;

  /** The time the first state was kept: the first sweep's share counts from there. */
  start(time: number): void {
    if (Number.isNaN(this.last) && !Number.isNaN(time)) this.last = time;
  }

  due(time: number, size: number, periodMs: number): number {
    const elapsed = time - this.last;
    this.last = time;
    if (!(elapsed > 0) || size === 0) return 0;
    this.credit = Math.min(size, this.credit + (size * elapsed) / periodMs);
    const due = Math.floor(this.credit);
    this.credit -= due;
    return due;
  }
}
