import { randomUUID } from 'node:crypto';
import type { Clock, ClockTimer } from '../../drivers/clock.js';
import type { ClockStamp } from '../../drivers/driver.js';
import { AGENT_RULE, type RuleResult } from '../../rules/rule-result.js';
import type { Logger } from '../logger.js';
import { AgentClock, type ClockSegment } from './agent-clock.js';
import { checkClockSync, type ClockSyncMethod } from './clock-sync.js';
import { currentBootId } from './monotonic-clock.js';
import { UnsynchronisedHold } from './unsynchronised-hold.js';

/** Wall-clock steps below this are NTP slewing or timer jitter, not a clock being set. */
const CLOCK_STEP_TOLERANCE_MS = 1_000;

/** 3 d 2 h, 1 h 5 min, 12 s: a step's size as a person reads it. */
export function formatStep(ms: number): string {
  // A step measured between two clocks is off by a few ms: 259,199,999 ms is three days.
  if (ms >= 60_000) ms = Math.round(ms / 1000) * 1000;
  else ms = Math.round(ms);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000]] as const) {
    if (ms >= size) {
      parts.push(`${Math.floor(ms / size)} ${unit}`);
      ms %= size;
    }
  }
  if (ms > 0 || parts.length === 0) parts.push(`${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`);
  return parts.slice(0, 2).join(' ');
}

/** The `time:` settings the supervisor runs on. */
export interface ClockSupervisorSettings {
  readonly sync: ClockSyncMethod;
  readonly sync_flag: string;
  readonly check_interval: number;
  readonly hold_unsynchronised: number;
}

export interface ClockSupervisorOptions {
  readonly log: Logger;
  /** Wall time, as results are stamped. */
  readonly now: () => number;
  /** Monotonic time since boot, so offsets of every run of one boot compare. */
  readonly monotonic: () => number;
  /** Where this boot's id is read (default /proc/sys/kernel/random/boot_id). */
  readonly bootIdFile: string | undefined;
  /** Timers, for the synchronisation checks. */
  readonly timers: Clock;
  readonly settings: () => ClockSupervisorSettings;
  /** Where segments of this boot are kept across restarts: the buffer. */
  readonly segments: {
    readonly isOpen: boolean;
    clockSegments(bootId: string): readonly ClockSegment[];
    keepSegment(segment: ClockSegment): void;
  };
  /** The source of the agent's events: the host name. */
  readonly agentName: string;
  /** The wall clock stepped by `stepMs`: the rules send the windows open across it, which are returned. */
  readonly stepped: (stepMs: number) => readonly RuleResult[];
  /** Buffers a result stamped in `clock`. */
  readonly keep: (result: RuleResult, clock: ClockStamp | undefined) => void;
  /** The clock became synchronised: results held back can now go. */
  readonly synchronised: () => void;
}

/**
 * Watches the system clock for the agent: whether it is synchronised (checked now and again), steps of it (looked
 * for before every reading and tick), the segments between steps that results are stamped in, and the hold of
 * results made while it is not synchronised, until they are re-dated. `start()` opens it, once the buffer holding
 * earlier runs' segments is open; `stop()` ends its checks.
 */
export class ClockSupervisor {
  /** Steps of the wall clock noticed since start. */
  steps = 0;
  private clock: AgentClock | undefined;
  private holdOfResults: UnsynchronisedHold | undefined;
  private syncTimer: ClockTimer | undefined;
  private syncChecked = false;
  /** Said once: auto could not find out whether the clock is synchronised. */
  private syncUnknownLogged = false;

  constructor(private readonly options: ClockSupervisorOptions) {}

  /** Holds results stamped while the clock is not synchronised, for every forwarder; made in `start()`. */
  get hold(): UnsynchronisedHold | undefined {
    return this.holdOfResults;
  }

  /** Whether results carry their times as they are. */
  get isSynchronised(): boolean {
    return this.clock?.isSynchronised ?? false;
  }

  /**
   * Opens the clock, carrying on the segments earlier runs of this boot left in the buffer (restarted before NTP
   * synchronised), so their results are re-dated too; its own segments go to the buffer in turn. Without a boot id
   * (off Linux) each run stands alone. Then checks synchronisation once, before any result is made.
   */
  async start(): Promise<void> {
    const { options } = this;
    const boot = currentBootId(options.bootIdFile);
    this.clock = new AgentClock({
      bootId: boot ?? `unknown/${randomUUID().slice(0, 8)}`,
      wall: options.now,
      monotonic: options.monotonic,
      stepToleranceMs: CLOCK_STEP_TOLERANCE_MS,
      earlier: boot === undefined ? [] : options.segments.clockSegments(boot),
      onSegment: (segment) => options.segments.keepSegment(segment),
    });
    this.holdOfResults = new UnsynchronisedHold(this.clock, options.monotonic, options.settings().hold_unsynchronised);
    await this.checkSync();
  }

  /** Starts the checks of synchronisation that follow the first. */
  startChecking(): void {
    if (this.clock) this.scheduleSyncCheck();
  }

  stop(): void {
    this.options.timers.clearTimer(this.syncTimer);
    this.syncTimer = undefined;
  }

  /** Where results made now are stamped, and when: undefined while the clock is synchronised. */
  stamp(): ClockStamp | undefined {
    if (!this.clock || this.clock.isSynchronised) return undefined;
    const { id, bootId } = this.clock.current;
    return { segment: id, boot: bootId, monotonic: this.options.monotonic() };
  }

  /**
   * Looks for a step of the wall clock. Also before every reading: a reading stamped after a step must not join a
   * window of before it, which the step then sends as if all of it were from before.
   */
  watch(): void {
    if (!this.clock) return;
    // The stamp of before the step, taken apart: a reading without a step (nearly all of them) costs no object.
    // Its monotonic time is the one observe() read: each read of the system's monotonic clock allocates (BigInts).
    const synchronised = this.clock.isSynchronised;
    const { id, bootId } = this.clock.current;
    const step = this.clock.observe();
    if (step?.kind === 'step') {
      this.stepped(step.stepMs, synchronised ? undefined : { segment: id, boot: bootId, monotonic: this.clock.observedMonotonic });
    }
  }

  /**
   * The wall clock was set: windows open across the step are sent as they are, and the rules start a fresh
   * timeline. `before`: where the windows sent at the step were stamped, the segment before the step.
   */
  private stepped(stepMs: number, before: ClockStamp | undefined): void {
    const { options } = this;
    const results = options.stepped(stepMs);
    this.steps += 1;
    options.log.warn(
      { stepMs, windowsSent: results.length },
      `the wall clock was set ${stepMs > 0 ? 'forward' : 'back'} by ${formatStep(Math.abs(stepMs))}; windows open at the step were sent as they were`,
    );
    for (const result of results) options.keep(result, before);
    const now = options.now();
    // Also an annotation in Grafana (InfluxDB: tributary_events), beside the gap or jump it explains.
    options.keep(
      {
        kind: 'event',
        rule: AGENT_RULE,
        source: options.agentName,
        sensor: 'clock',
        tags: {},
        event: 'clock-step',
        timestamp: now,
        end: now,
        held: results.length,
        message: `wall clock set ${stepMs > 0 ? 'forward' : 'back'} by ${formatStep(Math.abs(stepMs))}; ${results.length} windows open at the step sent as they were`,
      },
      this.stamp(),
    );
  }

  /** Checks synchronisation now and again, often while the clock is not synchronised, rarely once it is. */
  private scheduleSyncCheck(): void {
    const interval = this.options.settings().check_interval * (this.clock?.isSynchronised ? 12 : 1);
    this.syncTimer = this.options.timers.setTimeout(() => {
      void this.checkSync().finally(() => this.options.segments.isOpen && this.scheduleSyncCheck());
    }, interval);
  }

  private async checkSync(): Promise<void> {
    const { options } = this;
    const clock = this.clock!;
    const { sync, sync_flag } = options.settings();
    const state = await checkClockSync({ method: sync, timesyncdFlag: sync_flag });
    if (state.unknown && !this.syncUnknownLogged) {
      this.syncUnknownLogged = true;
      options.log.warn({ sync }, state.unknown);
    }
    const first = !this.syncChecked;
    this.syncChecked = true;
    const before = this.stamp();
    const events = clock.synchronisation(state);
    if (first && !state.synchronized) {
      options.log.warn({ method: state.method }, 'the system clock is not synchronised: results are held back until it is, then re-dated');
    }
    for (const event of events) {
      if (event.kind === 'step') this.stepped(event.stepMs, before);
      else if (event.kind === 'unsynchronised') {
        options.log.warn({ method: event.method }, 'the system clock is no longer synchronised: results are held back until it is, then re-dated');
      } else {
        const corrections = event.corrected.map((segment) => segment.correction!);
        if (!first) options.log.info({ method: event.method, corrections }, 'the system clock is synchronised; results held back are re-dated and sent');
        options.synchronised();
      }
    }
  }
}
