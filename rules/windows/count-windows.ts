import type { CompiledAggregates, WindowAccumulator } from '../aggregates/compile-aggregates.js';
import type { Reading } from '../reading.js';
import type { WindowResult } from '../rule-result.js';
import { LOOKS_PER_SILENCE, SweepPace } from '../sensor-states.js';
import { GroupIndex, type GroupBy, type GroupIdentity } from './group-index.js';
import type { WindowCounters, WindowOperator } from './window-operator.js';
import type { CountWindowSpec } from './window-spec.js';

interface GroupCounts {
  readonly identity: GroupIdentity;
  /** Ring of the last `size` readings (only kept for sliding count windows). */
  readonly values: Float64Array;
  readonly times: Float64Array;
  /** Readings taken so far, ever. */
  taken: number;
  /** Accumulator of the current window (tumbling count windows only). */
  current: WindowAccumulator | undefined;
  first: number;
  last: number;
  /** When the group's last reading reached the engine, on the unbroken timeline of `stepped`. */
  at: number;
}

/**
 * Count windows, in arrival order: every `slide` readings a group emits the aggregates of its last `size`
 * readings (tumbling when slide = size: every reading in exactly one window). Time plays no part, so there is no
 * lateness; `start` and `end` are the earliest and latest timestamps among the readings of the window.
 * Results are ready the moment the reading that completes a window arrives; `advance` hands them over.
 * A group that falls silent is forgotten (`forgetSilent`); the readings of its unfinished window are emitted first, as
 * a window with fewer than `size` readings, so nothing it took is lost.
 */
export class CountWindows implements WindowOperator {
  readonly counters: WindowCounters = { late: 0, lateUpdates: 0, emptySkipped: 0 };
  private readonly groups: GroupIndex<GroupCounts>;
  private readonly ready: WindowResult[] = [];
  private readonly sliding: boolean;
  private groupCount = 0;
  private readonly pace = new SweepPace();
  /** The clock steps seen so far, summed: silence is measured on one unbroken timeline, `now - stepped`. */
  private stepped = 0;

  constructor(
    private readonly rule: string,
    private readonly spec: CountWindowSpec,
    private readonly aggregates: CompiledAggregates,
    groupBy: GroupBy,
  ) {
    if (!(Number.isInteger(spec.size) && spec.size >= 1 && Number.isInteger(spec.slide) && spec.slide >= 1)) {
      throw new RangeError(`rule "${rule}": count window size and slide must be whole numbers of at least 1`);
    }
    this.sliding = spec.slide !== spec.size;
    const ring = this.sliding ? spec.size : 0;
    this.groups = new GroupIndex(groupBy, rule, (identity) => {
      this.groupCount += 1;
      return {
        identity,
        values: new Float64Array(ring),
        times: new Float64Array(ring),
        taken: 0,
        current: undefined,
        first: Number.POSITIVE_INFINITY,
        last: Number.NEGATIVE_INFINITY,
        at: Number.NaN,
      };
    });
  }

  /** Groups whose readings are kept. */
  get trackedGroups(): number {
    return this.groupCount;
  }

  /** Takes a reading that reached the engine at `now` (its timestamp by default). */
  add(reading: Reading, now: number = reading.timestamp): void {
    const group = this.groups.get(reading);
    const { size, slide } = this.spec;
    group.at = now - this.stepped;
    if (group.taken === 0) this.pace.start(group.at);
    group.taken += 1;
    if (!this.sliding) {
      group.current ??= this.aggregates.create();
      group.current.add(reading.value, reading.timestamp);
      if (reading.timestamp < group.first) group.first = reading.timestamp;
      if (reading.timestamp > group.last) group.last = reading.timestamp;
      if (group.taken % size === 0) {
        this.ready.push(this.result(group.identity, group.current, group.first, group.last));
        group.current = undefined;
        group.first = Number.POSITIVE_INFINITY;
        group.last = Number.NEGATIVE_INFINITY;
      }
      return;
    }
    const slot = (group.taken - 1) % size;
    group.values[slot] = reading.value;
    group.times[slot] = reading.timestamp;
    if (group.taken >= size && (group.taken - size) % slide === 0) this.ready.push(this.lastReadings(group, size));
  }

  /**
   * Forgets groups that had no reading for `silentMs` by `now`, looking at a slice of them per call (each about four
   * times per `silentMs`). A forgotten group's unfinished window is emitted as it is, with the readings it has (a
   * sliding window: the last `size` readings, when some came since the last window); `advance` hands it over. A group
   * that comes back starts afresh, its first reading the first of a new window.
   */
  forgetSilent(now: number, silentMs: number): void {
    const time = now - this.stepped;
    const looks = this.pace.due(time, this.groupCount, silentMs / LOOKS_PER_SILENCE);
    if (looks === 0) return;
    this.groups.forgetSome(looks, (group) => {
      if (time - group.at < silentMs) return false;
      this.emitUnfinished(group);
      this.groupCount -= 1;
      return true;
    });
  }

  /** The wall clock was set by `stepMs`: silence is measured as if it had been right all along. */
  clockSteppedBy(stepMs: number): void {
    this.stepped += stepMs;
  }

  advance(_now: number, out: WindowResult[]): void {
    for (const result of this.ready) out.push(result);
    this.ready.length = 0;
  }

  /** Measured in readings, not time: a window in progress carries on across a clock step. */
  clockStepped(out: WindowResult[]): void {
    this.advance(0, out);
  }

  /** What a forgotten group took since its last window, as a window of its own. */
  private emitUnfinished(group: GroupCounts): void {
    const { size, slide } = this.spec;
    if (!this.sliding) {
      if (group.current === undefined) return;
      this.ready.push(this.result(group.identity, group.current, group.first, group.last));
    } else {
      const unsent = group.taken < size ? group.taken : (group.taken - size) % slide;
      if (unsent === 0) return;
      this.ready.push(this.lastReadings(group, Math.min(group.taken, size)));
    }
  }

  /** The window of a sliding group's last `count` readings. */
  private lastReadings(group: GroupCounts, count: number): WindowResult {
    const size = this.spec.size;
    const accumulator = this.aggregates.create();
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < count; k++) {
      // Oldest first, so order-sensitive aggregates see arrival order.
      const i = (group.taken - count + k) % size;
      const time = group.times[i]!;
      accumulator.add(group.values[i]!, time);
      if (time < first) first = time;
      if (time > last) last = time;
    }
    return this.result(group.identity, accumulator, first, last);
  }

  private result(identity: GroupIdentity, accumulator: WindowAccumulator, start: number, end: number): WindowResult {
    const values: Record<string, number> = {};
    accumulator.emit(values, start, end);
    return { kind: 'window', rule: this.rule, source: identity.source, sensor: identity.sensor, tags: identity.tags, start, end, values };
  }
}
