import type { CompiledAggregates, FoldHorizon, WindowAccumulator } from '../aggregates/compile-aggregates.js';
import type { Reading } from '../reading.js';
import type { WindowResult } from '../rule-result.js';
import { GroupIndex, type GroupBy, type GroupIdentity } from './group-index.js';
import { floorTo, sortByEnd, type WindowCounters, type WindowOperator } from './window-operator.js';
import type { TimeWindowSpec, WindowTiming } from './window-spec.js';

interface Window {
  /** Set when a spare window is reused. */
  start: number;
  /** The window's readings; undefined when overlapping windows share panes (the group's `panes`). */
  readonly accumulator: WindowAccumulator | undefined;
  /** Emissions so far; a late update emits the window again with the next revision. */
  revision: number;
  /** Changed by a late reading since its last emission. */
  dirty: boolean;
}

interface GroupWindows {
  readonly identity: GroupIdentity;
  /** Windows not yet emitted, by start ascending. */
  readonly open: Window[];
  /** Emitted windows still open to late updates (`late: update`), by start ascending. */
  readonly emitted: Window[];
  /** Start of the next window this group emits when empty windows are emitted; NaN before its first. */
  nextStart: number;
  /** With panes: the readings, one slide each, by start ascending (see TimeWindows.panes). */
  readonly panes: Pane[];
}

/** One slide of a group's readings, shared by every overlapping window that covers it. */
interface Pane {
  start: number;
  readonly accumulator: WindowAccumulator;
}

/** At most this many empty windows per group in one advance: a clock jump of days must not emit millions. */
const MAX_EMPTY_PER_ADVANCE = 1_000;

/**
 * Tumbling and hopping windows on time. A reading belongs to every window [start, start + size) that contains it;
 * windows start every `slide` from the epoch plus `offset`. A window is emitted once the watermark (time less the
 * allowed lateness) reaches its end. With `max_delay`, a reading older than the clock less it is late even when its
 * window is still open.
 *
 * Overlapping windows whose size is a multiple of the slide (1 min every 20 s) keep each reading once, in the pane
 * of one slide it falls in; a window's result merges its panes when it is emitted. Each window keeping its own copy
 * would hold size/slide copies of every value a percentile needs. Other hopping windows keep one state per window.
 */
export class TimeWindows implements WindowOperator {
  readonly counters: WindowCounters = { late: 0, lateUpdates: 0, emptySkipped: 0 };
  private readonly groups: GroupIndex<GroupWindows>;
  private watermark = Number.NEGATIVE_INFINITY;
  /** Earliest end among open windows (or next empty window), so `advance` can skip the scan when nothing is due. */
  private nextDue = Number.POSITIVE_INFINITY;
  private readonly hasEmitted: boolean;
  private readonly tumbling: boolean;
  private readonly sizeMs: number;
  private readonly offsetMs: number;
  /**
   * Emitted windows kept for reuse: with 1,000 sensors a 10 s window closes 100 times a second, and reusing their
   * state keeps the garbage collector out of the hot path. Never holds more than the most windows open at once.
   */
  private readonly spare: Window[] = [];
  /** Readings before it are late (`max_delay`); the windows' order-dependent aggregates fold what lies before it. */
  private readonly horizon: FoldHorizon = { time: Number.NEGATIVE_INFINITY };
  private readonly maxDelayMs: number;
  /** Whether windows share panes of one slide; then `merged` is where a window's panes are merged to emit it. */
  private readonly panes: boolean;
  private readonly merged: WindowAccumulator | undefined;
  private readonly sparePanes: Pane[] = [];

  constructor(
    private readonly rule: string,
    private readonly spec: TimeWindowSpec,
    private readonly timing: WindowTiming,
    private readonly aggregates: CompiledAggregates,
    groupBy: GroupBy,
  ) {
    if (!(spec.sizeMs >= 1 && spec.slideMs >= 1)) {
      throw new RangeError(`rule "${rule}": window size and slide must be at least 1ms`);
    }
    this.groups = new GroupIndex(groupBy, rule, (identity) => ({ identity, open: [], emitted: [], nextStart: Number.NaN, panes: [] }));
    this.hasEmitted = timing.late === 'update';
    this.tumbling = spec.slideMs === spec.sizeMs;
    this.panes = spec.slideMs < spec.sizeMs && spec.sizeMs % spec.slideMs === 0;
    this.merged = this.panes ? aggregates.create(this.horizon) : undefined;
    this.sizeMs = spec.sizeMs;
    this.offsetMs = spec.offsetMs;
    this.maxDelayMs = timing.maxDelayMs ?? Number.POSITIVE_INFINITY;
  }

  add(reading: Reading): void {
    this.addValue(reading, reading.value);
  }

  /**
   * Takes the reading with `value`, its value after transforms that only map it (the reading is not copied for them).
   * Not a default parameter of `add`: a value from either a reading or a caller would be boxed on every call.
   */
  addValue(reading: Reading, value: number): void {
    const time = reading.timestamp;
    if (time < this.horizon.time) {
      this.counters.late += 1;
      return;
    }
    const group = this.groups.get(reading);
    // Two methods rather than one: each small enough for V8 to inline into the rule, the common one above all.
    if (this.tumbling) this.addTumbling(reading, group, value);
    else this.addOverlapping(reading, group, value);
  }

  /** Hopping windows: a reading in every window that holds it, or in the newest pane they share. */
  private addOverlapping(reading: Reading, group: GroupWindows, value: number): void {
    const time = reading.timestamp;
    if (this.panes && this.addToNewestPane(reading, group, value)) return;
    const { sizeMs, slideMs, offsetMs } = this.spec;
    const newest = floorTo(time, slideMs, offsetMs);
    let late = false;
    let updated = false;
    let taken = false;
    for (let start = newest; start + sizeMs > time; start -= slideMs) {
      const end = start + sizeMs;
      if (end <= this.watermark || start < group.nextStart) {
        late = true;
        const emitted = this.hasEmitted ? findWindow(group.emitted, start) : undefined;
        if (emitted) {
          emitted.accumulator?.add(value, time);
          emitted.dirty = true;
          updated = true;
          taken = true;
          this.nextDue = Math.min(this.nextDue, this.watermark);
        }
        continue;
      }
      let window = findWindow(group.open, start);
      if (!window) {
        window = this.openWindow(start);
        insertByStart(group.open, window);
      }
      window.accumulator?.add(value, time);
      taken = true;
      if (end < this.nextDue) this.nextDue = end;
    }
    // The pane is the slide the reading falls in: the newest window's first.
    if (this.panes && taken) this.paneAt(group, newest).accumulator.add(value, time);
    if (updated) this.counters.lateUpdates += 1;
    else if (late) this.counters.late += 1;
  }

  /**
   * A reading in the group's newest pane, when every window over that pane is still open (none due, none before the
   * group's next start): those windows were all opened by the pane's first reading, so only the pane takes it, as
   * the loop in `add` would do. False otherwise; then `add` goes the long way.
   */
  private addToNewestPane(reading: Reading, group: GroupWindows, value: number): boolean {
    const panes = group.panes;
    if (panes.length === 0) return false;
    const pane = panes[panes.length - 1]!;
    const time = reading.timestamp;
    const paneEnd = pane.start + this.spec.slideMs;
    // The oldest window over the pane ends with the pane and starts `size` before that.
    if (!(time >= pane.start && time < paneEnd && paneEnd > this.watermark && !(paneEnd - this.sizeMs < group.nextStart))) return false;
    pane.accumulator.add(value, time);
    if (paneEnd < this.nextDue) this.nextDue = paneEnd;
    return true;
  }

  /** The group's pane starting at `start`, opened if need be (nearly always the newest). */
  private paneAt(group: GroupWindows, start: number): Pane {
    const panes = group.panes;
    let i = panes.length;
    while (i > 0 && panes[i - 1]!.start > start) i--;
    if (i > 0 && panes[i - 1]!.start === start) return panes[i - 1]!;
    const spare = this.sparePanes.pop();
    const pane = spare ?? { start, accumulator: this.aggregates.create(this.horizon) };
    pane.start = start;
    panes.splice(i, 0, pane);
    return pane;
  }

  /** Panes before every window still open or open to updates are no longer read by any window. */
  private releasePanes(group: GroupWindows): void {
    const firstNeeded = group.emitted.length > 0 ? group.emitted[0]!.start : group.open.length > 0 ? group.open[0]!.start : Number.POSITIVE_INFINITY;
    const panes = group.panes;
    let released = 0;
    while (released < panes.length && panes[released]!.start < firstNeeded) {
      const pane = panes[released++]!;
      pane.accumulator.reset();
      this.sparePanes.push(pane);
    }
    if (released > 0) panes.splice(0, released);
  }

  /** The common case, a reading in exactly one window: no loop, and the window is nearly always the newest. */
  private addTumbling(reading: Reading, group: GroupWindows, value: number): void {
    const size = this.sizeMs;
    const time = reading.timestamp;
    const open = group.open;
    const newest = open.length > 0 ? open[open.length - 1]! : undefined;
    // In the newest window, which is neither due nor before the group's next start: no division to find the window.
    if (newest !== undefined && time >= newest.start && time < newest.start + size && newest.start + size > this.watermark && !(newest.start < group.nextStart)) {
      newest.accumulator!.add(value, time);
      if (newest.start + size < this.nextDue) this.nextDue = newest.start + size;
      return;
    }
    const start = floorTo(time, size, this.offsetMs);
    const end = start + size;
    if (end <= this.watermark || start < group.nextStart) {
      this.addLate(reading, group, start, value);
      return;
    }
    let window = newest !== undefined && newest.start === start ? newest : findWindow(open, start);
    if (!window) {
      window = this.openWindow(start);
      insertByStart(open, window);
    }
    window.accumulator!.add(value, time); // tumbling windows never share panes
    if (end < this.nextDue) this.nextDue = end;
  }

  private addLate(reading: Reading, group: GroupWindows, start: number, value: number): void {
    const emitted = this.hasEmitted ? findWindow(group.emitted, start) : undefined;
    if (!emitted) {
      this.counters.late += 1;
      return;
    }
    emitted.accumulator!.add(value, reading.timestamp); // tumbling windows never share panes
    emitted.dirty = true;
    this.counters.lateUpdates += 1;
    this.nextDue = Math.min(this.nextDue, this.watermark);
  }

  advance(now: number, out: WindowResult[]): void {
    const watermark = now - this.timing.allowedLatenessMs;
    if (watermark > this.watermark) this.watermark = watermark;
    if (now - this.maxDelayMs > this.horizon.time) this.horizon.time = now - this.maxDelayMs;
    if (this.watermark < this.nextDue) return;
    const { sizeMs } = this.spec;
    let nextDue = Number.POSITIVE_INFINITY;
    const from = out.length;
    let idleGroups = 0;
    this.groups.forEach((group) => {
      if (this.hasEmitted) this.reemitUpdated(group, out);
      if (this.timing.empty === 'emit') {
        this.emitWithEmpty(group, out);
      } else {
        const open = group.open;
        while (open.length > 0 && open[0]!.start + sizeMs <= this.watermark) this.emit(group, open.shift()!, out);
      }
      if (this.hasEmitted) {
        const emitted = group.emitted;
        while (emitted.length > 0 && emitted[0]!.start + sizeMs + this.timing.updateWithinMs <= this.watermark) this.recycle(emitted.shift()!);
      }
      if (this.panes) this.releasePanes(group);
      if (group.open.length > 0) nextDue = Math.min(nextDue, group.open[0]!.start + sizeMs);
      if (this.timing.empty === 'emit' && !Number.isNaN(group.nextStart)) nextDue = Math.min(nextDue, group.nextStart + sizeMs);
      if (this.hasEmitted && group.emitted.length > 0) {
        nextDue = Math.min(nextDue, group.emitted[0]!.start + sizeMs + this.timing.updateWithinMs);
      }
      if (group.open.length === 0 && group.emitted.length === 0) idleGroups += 1;
    });
    this.nextDue = nextDue;
    sortByEnd(out, from);
    // Groups with nothing open and nothing to emit are forgotten, unless empty windows keep them alive.
    if (this.timing.empty === 'skip' && idleGroups > 0) {
      this.groups.prune((group) => group.open.length === 0 && group.emitted.length === 0);
    }
  }

  clockStepped(out: WindowResult[]): void {
    const from = out.length;
    this.groups.forEach((group) => {
      while (group.emitted.length > 0) this.recycle(group.emitted.shift()!);
      const open = group.open;
      // Straight out, not through emit(): nothing emitted before the step may be updated after it.
      while (open.length > 0) {
        const window = open.shift()!;
        out.push(this.result(group, window));
        this.recycle(window);
      }
      if (this.panes) this.releasePanes(group);
    });
    sortByEnd(out, from);
    this.groups.prune(() => true);
    this.watermark = Number.NEGATIVE_INFINITY;
    this.nextDue = Number.POSITIVE_INFINITY;
    this.horizon.time = Number.NEGATIVE_INFINITY;
  }

  /** Readings the windows still open to readings store one by one for twa, integral and rate (the rest are folded). */
  storedPoints(): number {
    let points = 0;
    this.groups.forEach((group) => {
      for (const window of group.open) points += window.accumulator?.storedPoints ?? 0;
      for (const window of group.emitted) points += window.accumulator?.storedPoints ?? 0;
      for (const pane of group.panes) points += pane.accumulator.storedPoints;
    });
    return points;
  }

  /** Emits every window due, in start order, filling gaps with empty windows for a group seen before. */
  private emitWithEmpty(group: GroupWindows, out: WindowResult[]): void {
    const { sizeMs, slideMs } = this.spec;
    const open = group.open;
    if (Number.isNaN(group.nextStart)) {
      // Fixed only once the group's first window is due: until then a straggler may still open an earlier one.
      if (open.length === 0 || open[0]!.start + sizeMs > this.watermark) return;
      group.nextStart = open[0]!.start;
    }
    let emptyEmitted = 0;
    while (group.nextStart + sizeMs <= this.watermark) {
      const start = group.nextStart;
      if (open.length > 0 && open[0]!.start === start) {
        this.emit(group, open.shift()!, out);
      } else if (emptyEmitted < MAX_EMPTY_PER_ADVANCE) {
        emptyEmitted += 1;
        this.emit(group, this.openWindow(start), out);
      } else {
        // Skip ahead: past the cap, only windows that hold readings are emitted. Never past the first window not yet
        // due, which stays open to readings and is emitted (empty or not) when its time comes.
        const firstNotDue = floorTo(this.watermark - sizeMs, slideMs, this.spec.offsetMs) + slideMs;
        const skipTo = open.length > 0 ? Math.min(open[0]!.start, firstNotDue) : firstNotDue;
        this.counters.emptySkipped += Math.max(0, Math.round((skipTo - start) / slideMs));
        group.nextStart = skipTo;
        continue;
      }
      group.nextStart = start + slideMs;
    }
  }

  private reemitUpdated(group: GroupWindows, out: WindowResult[]): void {
    for (const window of group.emitted) {
      if (!window.dirty) continue;
      window.dirty = false;
      window.revision += 1;
      out.push(this.result(group, window));
    }
  }

  private emit(group: GroupWindows, window: Window, out: WindowResult[]): void {
    out.push(this.result(group, window));
    if (this.hasEmitted) group.emitted.push(window);
    else this.recycle(window);
  }

  private openWindow(start: number): Window {
    const window = this.spare.pop();
    if (window === undefined) return { start, accumulator: this.panes ? undefined : this.aggregates.create(this.horizon), revision: 0, dirty: false };
    window.start = start;
    return window;
  }

  /** Only once the window's result was made: the result holds values, never the state. */
  private recycle(window: Window): void {
    window.accumulator?.reset();
    window.revision = 0;
    window.dirty = false;
    this.spare.push(window);
  }

  private result(group: GroupWindows, window: Window): WindowResult {
    const identity = group.identity;
    const values: Record<string, number> = {};
    const end = window.start + this.spec.sizeMs;
    const accumulator = window.accumulator ?? this.mergePanes(group, window.start, end);
    accumulator.emit(values, window.start, end);
    const result: { -readonly [K in keyof WindowResult]: WindowResult[K] } = {
      kind: 'window',
      rule: this.rule,
      source: identity.source,
      sensor: identity.sensor,
      tags: identity.tags,
      start: window.start,
      end,
      values,
    };
    if (window.revision > 0) result.revision = window.revision;
    return result;
  }

  /** The readings of the group's panes in [start, end), merged in time order into the operator's one scratch state. */
  private mergePanes(group: GroupWindows, start: number, end: number): WindowAccumulator {
    const merged = this.merged!;
    merged.reset();
    for (const pane of group.panes) {
      if (pane.start >= end) break;
      if (pane.start >= start) merged.merge(pane.accumulator);
    }
    return merged;
  }
}

function findWindow(windows: readonly Window[], start: number): Window | undefined {
  for (let i = windows.length - 1; i >= 0; i--) {
    const window = windows[i]!;
    if (window.start === start) return window;
    if (window.start < start) return undefined;
  }
  return undefined;
}

/** Keeps `windows` sorted by start; new windows are nearly always the latest, so search from the end. */
function insertByStart(windows: Window[], window: Window): void {
  let i = windows.length;
  while (i > 0 && windows[i - 1]!.start > window.start) i--;
  // Appending, nearly always: push rather than splice, which makes an array of what it removed.
  if (i === windows.length) windows.push(window);
  else windows.splice(i, 0, window);
}
