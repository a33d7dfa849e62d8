import { ClockStepDetector } from './clock-step-detector.js';
import type { ClockSyncState } from './clock-sync.js';

/** How far a result's time can be trusted; every result carries one. */
export type TimeQuality = 'synchronised' | 'redated' | 'unsynchronised';

/**
 * A stretch of time between two steps of the wall clock, within one boot. Times stamped in it are wall time, and
 * `offset` (wall minus monotonic time) was the same throughout, so once the true offset is known every one of them
 * can be corrected by the same amount.
 */
export interface ClockSegment {
  readonly id: number;
  readonly bootId: string;
  /** Wall minus monotonic time, ms, when the segment began. */
  readonly offset: number;
  /** Whether the clock was synchronised while the segment was stamped. */
  synchronised: boolean;
  /** Ms to add to this segment's times; known once the clock synchronised after it, else undefined. */
  correction: number | undefined;
}

export type ClockEvent =
  | { readonly kind: 'step'; readonly at: number; readonly stepMs: number }
  | { readonly kind: 'synchronised'; readonly at: number; readonly method: string; readonly corrected: readonly ClockSegment[] }
  | { readonly kind: 'unsynchronised'; readonly at: number; readonly method: string };

export interface AgentClockOptions {
  /** This boot's id: segments of `earlier` runs are carried on, and results re-dated, only when it is theirs. */
  readonly bootId: string;
  readonly wall: () => number;
  readonly monotonic: () => number;
  /** Steps of the wall clock smaller than this are ignored (NTP slews drift away in small steps). */
  readonly stepToleranceMs: number;
  /**
   * Segments of this boot from an earlier run of the agent (from the buffer), whose results may await correction.
   * Their offsets compare with this run's only because `monotonic` counts from boot, not from the process's start.
   */
  readonly earlier?: readonly ClockSegment[];
  /** Told whenever a segment begins or gets its correction, so it can be kept for a later run of this boot. */
  readonly onSegment?: (segment: ClockSegment) => void;
}

/**
 * The agent's knowledge of time on a device that may have no real-time clock: whether the wall clock is synchronised,
 * when it steps, and by how much results stamped before a synchronisation must be corrected. Pure: both clocks and
 * the synchronisation state are given to it (`observe` each tick, `synchronisation` after each check).
 */
export class AgentClock {
  private readonly steps: ClockStepDetector;
  private readonly segments: ClockSegment[];
  private synchronised = false;
  private lastId: number;
  private lastMonotonic = Number.NaN;

  constructor(private readonly options: AgentClockOptions) {
    this.steps = new ClockStepDetector(options.stepToleranceMs);
    this.segments = [...(options.earlier ?? [])].filter((segment) => segment.bootId === options.bootId);
    this.lastId = this.segments.reduce((max, segment) => Math.max(max, segment.id), 0);
    this.steps.observe(options.wall(), options.monotonic());
    this.begin();
  }

  /** Whether results may be forwarded with their time as it is. */
  get isSynchronised(): boolean {
    return this.synchronised;
  }

  /** The segment being stamped now. */
  get current(): ClockSegment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Monotonic time (ms) of the last `observe`: a step's time, without reading the monotonic clock a second time. */
  get observedMonotonic(): number {
    return this.lastMonotonic;
  }

  /** Every segment of this boot, oldest first (for persisting and re-dating). */
  allSegments(): readonly ClockSegment[] {
    return this.segments;
  }

  /** Looks at both clocks; a step of the wall clock begins a new segment and is returned. */
  observe(): ClockEvent | undefined {
    const wall = this.options.wall();
    this.lastMonotonic = this.options.monotonic();
    const stepMs = this.steps.observe(wall, this.lastMonotonic);
    if (stepMs === 0) return undefined;
    this.begin();
    return { kind: 'step', at: wall, stepMs };
  }

  /**
   * Takes the latest synchronisation check; returns what changed, a step first when one came before it. On becoming
   * synchronised, every unsynchronised segment of this boot, earlier runs' too, gets its correction: the difference
   * between the wall clock's offset now, which is right, and its offset then.
   */
  synchronisation(state: ClockSyncState): ClockEvent[] {
    // The step that synchronised the clock comes before the check that says so: begin its segment first.
    const step = this.observe();
    const events: ClockEvent[] = step ? [step] : [];
    const at = this.options.wall();
    if (state.synchronized === this.synchronised) return events;
    this.synchronised = state.synchronized;
    if (!state.synchronized) {
      this.begin();
      events.push({ kind: 'unsynchronised', at, method: state.method });
      return events;
    }
    const offset = at - this.options.monotonic();
    const corrected: ClockSegment[] = [];
    for (const segment of this.segments) {
      if (segment.synchronised || segment.correction !== undefined) continue;
      segment.correction = offset - segment.offset;
      corrected.push(segment);
    }
    // The segment since the last step was stamped by a clock now known to be right.
    const current = this.current;
    current.synchronised = true;
    current.correction = 0;
    for (const segment of corrected) if (segment !== current) this.options.onSegment?.(segment);
    this.options.onSegment?.(current);
    events.push({ kind: 'synchronised', at, method: state.method, corrected: corrected.filter((segment) => segment !== current) });
    return events;
  }

  /** A time stamped in `segment`, corrected where the correction is known, with how far to trust it. */
  redate(time: number, segmentId: number, bootId: string): { time: number; quality: TimeQuality } {
    const segment = bootId === this.options.bootId ? this.segments.find((s) => s.id === segmentId) : undefined;
    if (segment === undefined || segment.correction === undefined) return { time, quality: 'unsynchronised' };
    if (segment.synchronised && segment.correction === 0) return { time, quality: 'synchronised' };
    return { time: time + segment.correction, quality: 'redated' };
  }

  private begin(): void {
    const offset = this.options.wall() - this.options.monotonic();
    this.lastId += 1;
    const segment: ClockSegment = {
      id: this.lastId,
      bootId: this.options.bootId,
      offset,
      synchronised: this.synchronised,
      correction: this.synchronised ? 0 : undefined,
    };
    this.segments.push(segment);
    this.options.onSegment?.(segment);
  }
}
