import type { AlertState } from '../rule-result.js';

/**
 * One alert's lifecycle, Prometheus-style: a condition that turns active makes the alert pending; once it has held
 * for `for` ms the alert fires; once the condition has been clear for `keep_firing_for` ms it resolves. It returns a
 * transition only when the state changes, never one per reading. Flap suppression and a cooldown keep a condition
 * that toggles from paging on every toggle.
 */
export interface LifecycleSpec {
  /** Ms the condition must hold before pending turns firing; 0 fires at once. */
  readonly for: number;
  /** Ms a firing alert stays firing after the condition was last active. */
  readonly keep_firing_for: number;
  /** Ms after a resolve during which the condition cannot start a new episode. */
  readonly cooldown: number;
  /** Flapping: `max_firings` firings within `window` ms hold the alert firing until quiet for a whole window. */
  readonly flap?: { readonly window: number; readonly max_firings: number };
  /**
   * Ms after going firing at which an alert whose condition still holds is resolved and its level taken as the new
   * normal; absent: never (a fault that persists stays firing until it clears or a person acknowledges it).
   */
  readonly learn_new_normal_after?: number;
}

/**
 * Why a firing alert resolved although its condition still held: a person acknowledged it, or
 * `learn_new_normal_after` ran out. Absent when the condition cleared.
 */
export type Resolution = 'acknowledged' | 'new normal';

export const NO_DELAYS: LifecycleSpec = { for: 0, keep_firing_for: 0, cooldown: 0 };

export interface LifecycleTransition {
  readonly state: Exclude<AlertState, 'inactive'>;
  readonly previous: AlertState;
  /** When the episode began (entered pending, or firing when `for` is 0). */
  readonly since: number;
  /** Only on a resolve that did not come from the condition clearing. */
  readonly resolution?: Resolution;
}

/** Everything a lifecycle needs to carry on after a restart; plain JSON. */
export interface LifecycleSnapshot {
  readonly state: AlertState;
  readonly since: number | null;
  readonly lastActiveAt: number | null;
  readonly resolvedAt: number | null;
  /** Times of recent firings, newest last, for flap detection. */
  readonly firings: readonly number[];
  /** When the alert last went firing, for `learn_new_normal_after` (absent in snapshots of earlier versions). */
  readonly firedAt?: number | null;
  /** Acknowledged (or a new normal learnt) while the condition held: no new episode until it has cleared once. */
  readonly accepted?: Resolution;
  /** How the last episode ended when a person or `learn_new_normal_after` ended it; until the next episode. */
  readonly resolution?: Resolution;
}

export function checkLifecycleSpec(spec: LifecycleSpec): void {
  for (const key of ['for', 'keep_firing_for', 'cooldown'] as const) {
    if (!(spec[key] >= 0)) throw new Error(`${key} must be a duration of at least 0, got ${spec[key]}`);
  }
  const learn = spec.learn_new_normal_after;
  if (learn !== undefined && !(learn > 0)) throw new Error(`learn_new_normal_after must be a positive duration, got ${learn}`);
  if (spec.flap && !(spec.flap.window > 0 && spec.flap.max_firings >= 2)) {
    throw new Error('flap needs a positive window and max_firings of at least 2');
  }
}

const toNumber = (value: number | null) => value ?? Number.NaN;
const toJson = (value: number) => (Number.isFinite(value) ? value : null);

export class AlertLifecycle {
  private state: AlertState = 'inactive';
  private since = Number.NaN;
  private lastActiveAt = Number.NaN;
  private resolvedAt = Number.NaN;
  private conditionActive = false;
  private firings: number[] = [];
  private firedAt = Number.NaN;
  /** Set by an acknowledgement or a learnt new normal: the same condition must not page again before it clears. */
  private accepted: Resolution | undefined;
  private resolution: Resolution | undefined;

  constructor(private readonly spec: LifecycleSpec) {
    checkLifecycleSpec(spec);
  }

  get current(): AlertState {
    return this.state;
  }

  get episodeStart(): number {
    return this.since;
  }

  /** Resolved by an acknowledgement or a new normal while its condition still holds; undefined otherwise. */
  get acceptedWhileActive(): Resolution | undefined {
    return this.accepted;
  }

  /** Resolved by an acknowledgement or a new normal, and no episode since; undefined otherwise. */
  get resolvedBy(): Resolution | undefined {
    return this.state === 'resolved' ? this.resolution : undefined;
  }

  /**
   * The wall clock was set by `stepMs`: the episode's times move with it, so `for:`, `keep_firing_for:` and the
   * cooldown count on as if the clock had been right all along (a jump of days does not fire a pending alert at once).
   */
  clockStepped(stepMs: number): void {
    this.since += stepMs;
    this.lastActiveAt += stepMs;
    this.resolvedAt += stepMs;
    this.firedAt += stepMs;
    this.firings = this.firings.map((at) => at + stepMs);
  }

  /**
   * A person acknowledged the firing alert: it resolves now (resolution `acknowledged`) and, while its condition goes
   * on holding, does not start again; the next episode needs the condition to clear first. Undefined unless firing.
   */
  acknowledge(now: number): LifecycleTransition | undefined {
    return this.state === 'firing' ? this.settle(now, 'acknowledged') : undefined;
  }

  /** Takes the detector's verdict at `now`; returns the transition it causes, if any. */
  observe(now: number, active: boolean): LifecycleTransition | undefined {
    this.conditionActive = active;
    if (active) this.lastActiveAt = now;
    return this.advance(now, active);
  }

  /**
   * Time passes without a verdict: a pending alert whose condition still held fires once `for` has run out, a firing
   * one resolves once `keep_firing_for` has. Never starts an episode (that takes a verdict).
   */
  tick(now: number): LifecycleTransition | undefined {
    if (this.state !== 'pending' && this.state !== 'firing') return undefined;
    return this.advance(now, this.conditionActive);
  }

  private advance(now: number, active: boolean): LifecycleTransition | undefined {
    switch (this.state) {
      case 'inactive':
      case 'resolved':
        if (this.accepted !== undefined) {
          // Acknowledged or learnt as normal: the condition that was accepted must clear before it can page again.
          if (!active) this.accepted = undefined;
          return undefined;
        }
        if (!active || now < this.resolvedAt + this.spec.cooldown) return undefined;
        this.since = now;
        return this.spec.for > 0 ? this.move('pending') : this.fire(now);
      case 'pending':
        if (!active) return this.resolve(now);
        return now - this.since >= this.spec.for ? this.fire(now) : undefined;
      case 'firing': {
        if (!active && now - this.lastActiveAt >= this.holdFor(now)) return this.resolve(now);
        const learn = this.spec.learn_new_normal_after;
        return learn !== undefined && now - this.firedAt >= learn ? this.settle(now, 'new normal') : undefined;
      }
    }
  }

  exportState(): LifecycleSnapshot {
    return {
      state: this.state,
      since: toJson(this.since),
      lastActiveAt: toJson(this.lastActiveAt),
      resolvedAt: toJson(this.resolvedAt),
      firings: [...this.firings],
      firedAt: toJson(this.firedAt),
      ...(this.accepted === undefined ? {} : { accepted: this.accepted }),
      ...(this.resolution === undefined ? {} : { resolution: this.resolution }),
    };
  }

  /** Restores a snapshot from `exportState` (after a restart): a firing alert stays firing without a new event. */
  importState(snapshot: LifecycleSnapshot): void {
    this.state = snapshot.state;
    this.since = toNumber(snapshot.since);
    this.lastActiveAt = toNumber(snapshot.lastActiveAt);
    this.resolvedAt = toNumber(snapshot.resolvedAt);
    this.firings = [...snapshot.firings];
    // A snapshot of an earlier version has no firing time: count from the episode's start.
    this.firedAt = toNumber(snapshot.firedAt ?? (snapshot.state === 'firing' ? snapshot.since : null));
    this.accepted = snapshot.accepted;
    this.resolution = snapshot.resolution;
    this.conditionActive = snapshot.state === 'pending' || snapshot.state === 'firing' || this.accepted !== undefined;
  }

  private holdFor(now: number): number {
    const flap = this.spec.flap;
    if (!flap) return this.spec.keep_firing_for;
    let recent = 0;
    for (const at of this.firings) if (now - at <= flap.window) recent += 1;
    return recent >= flap.max_firings ? Math.max(this.spec.keep_firing_for, flap.window) : this.spec.keep_firing_for;
  }

  private fire(now: number): LifecycleTransition {
    this.firedAt = now;
    this.firings.push(now);
    const keep = this.spec.flap?.max_firings ?? 0;
    if (this.firings.length > keep) this.firings.splice(0, this.firings.length - keep);
    return this.move('firing');
  }

  private resolve(now: number): LifecycleTransition {
    this.resolvedAt = now;
    return this.move('resolved');
  }

  /** Resolves although the condition may still hold; it must clear before a new episode starts. */
  private settle(now: number, resolution: Resolution): LifecycleTransition {
    this.resolvedAt = now;
    this.accepted = this.conditionActive ? resolution : undefined;
    return this.move('resolved', resolution);
  }

  private move(state: LifecycleTransition['state'], resolution?: Resolution): LifecycleTransition {
    const previous = this.state;
    this.state = state;
    this.resolution = resolution;
    return resolution === undefined ? { state, previous, since: this.since } : { state, previous, since: this.since, resolution };
  }
}
