import type { CompiledAggregates, WindowAccumulator } from '../aggregates/compile-aggregates.js';
import type { Reading } from '../reading.js';
import type { WindowResult } from '../rule-result.js';
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
}

/**
 * Count windows, in arrival order: every `slide` readings a group emits the aggregates of its last `size`
 * readings (tumbling when slide = size: every reading in exactly one window). Time plays no part, so there is no
 * lateness; `start` and `end` are the earliest and latest timestamps among the readings of the window.
 * Results are ready the moment the reading that completes a window arrives; `advance` hands them over.
 */
export class CountWindows implements WindowOperator {
  readonly counters: WindowCounters = { late: 0, lateUpdates: 0, emptySkipped: 0 };
  private readonly groups: GroupIndex<GroupCounts>;
  private readonly ready: WindowResult[] = [];
  private readonly sliding: boolean;

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
    this.groups = new GroupIndex(groupBy, rule, (identity) => ({
      identity,
      values: new Float64Array(ring),
      times: new Float64Array(ring),
      taken: 0,
      current: undefined,
      first: Number.POSITIVE_INFINITY,
      last: Number.NEGATIVE_INFINITY,
    }));
  }

  add(reading: Reading): void {
    const group = this.groups.get(reading);
    const { size, slide } = this.spec;
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
    if (group.taken >= size && (group.taken - size) % slide === 0) {
      const accumulator = this.aggregates.create();
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < size; k++) {
        // Oldest first, so order-sensitive aggregates see arrival order.
        const i = (group.taken + k) % size;
        const time = group.times[i]!;
        accumulator.add(group.values[i]!, time);
        if (time < first) first = time;
        if (time > last) last = time;
      }
      this.ready.push(this.result(group.identity, accumulator, first, last));
    }
  }

  advance(_now: number, out: WindowResult[]): void {
    for (const result of this.ready) out.push(result);
    this.ready.length = 0;
  }

  /** Measured in readings, not time: a window in progress carries on across a clock step. */
  clockStepped(out: WindowResult[]): void {
    this.advance(0, out);
  }

  private result(identity: GroupIdentity, accumulator: WindowAccumulator, start: number, end: number): WindowResult {
    const values: Record<string, number> = {};
    accumulator.emit(values, start, end);
    return { kind: 'window', rule: this.rule, source: identity.source, sensor: identity.sensor, tags: identity.tags, start, end, values };
  }
}
