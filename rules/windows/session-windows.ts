import type { CompiledAggregates, FoldHorizon, WindowAccumulator } from '../aggregates/compile-aggregates.js';
import type { Reading } from '../reading.js';
import type { WindowResult } from '../rule-result.js';
import { GroupIndex, type GroupBy, type GroupIdentity } from './group-index.js';
import { sortByEnd, type WindowCounters, type WindowOperator } from './window-operator.js';
import type { SessionWindowSpec, WindowTiming } from './window-spec.js';

interface Session {
  first: number;
  last: number;
  readonly accumulator: WindowAccumulator;
}

interface GroupSessions {
  readonly identity: GroupIdentity;
  /** Open sessions by `first` ascending; they never overlap, and are `gap` apart unless `max_duration` cut them. */
  readonly open: Session[];
  /** Due time of the latest emitted session: a reading before it would have joined an emitted session. */
  closedUntil: number;
}

/**
 * Session windows: a group's readings belong to one session while each comes within `gap` of another. A session is
 * emitted once the watermark passes its last reading plus the gap; its `start` and `end` are the times of its
 * first and last readings. A reading that bridges two open sessions (out of order) merges them.
 * Late readings are dropped and counted: one whose own session (it plus the gap) would already be over, unless it
 * falls within a session still open, between its first and last reading; and one within the gap of a session already
 * emitted, which is never reopened nor given a neighbour closer than the gap. So emitted sessions are always at least
 * the gap apart, and a group can be forgotten a gap after its last session was emitted.
 *
 * With `max_duration` a session spans less than it: a reading that would stretch a session (or a bridge of two) to
 * it or beyond starts a session of its own, and a session is also due `max_duration` after its first reading. Only
 * then may sessions come closer than the gap. With `max_delay` a reading older than the clock less it is late.
 */
export class SessionWindows implements WindowOperator {
  readonly counters: WindowCounters = { late: 0, lateUpdates: 0, emptySkipped: 0 };
  private readonly groups: GroupIndex<GroupSessions>;
  private watermark = Number.NEGATIVE_INFINITY;
  private nextDue = Number.POSITIVE_INFINITY;
  /** Readings before it are late (`max_delay`); the sessions' order-dependent aggregates fold what lies before it. */
  private readonly horizon: FoldHorizon = { time: Number.NEGATIVE_INFINITY };
  private readonly maxDelayMs: number;
  private readonly maxDurationMs: number;

  constructor(
    private readonly rule: string,
    private readonly spec: SessionWindowSpec,
    private readonly timing: WindowTiming,
    private readonly aggregates: CompiledAggregates,
    groupBy: GroupBy,
  ) {
    if (!(spec.gapMs >= 1)) throw new RangeError(`rule "${rule}": session gap must be at least 1ms`);
    this.maxDurationMs = spec.maxDurationMs ?? Number.POSITIVE_INFINITY;
    if (!(this.maxDurationMs > spec.gapMs)) throw new RangeError(`rule "${rule}": a session's max duration must be longer than its gap`);
    this.maxDelayMs = timing.maxDelayMs ?? Number.POSITIVE_INFINITY;
    this.groups = new GroupIndex(groupBy, rule, (identity) => ({ identity, open: [], closedUntil: Number.NEGATIVE_INFINITY }));
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
    const gap = this.spec.gapMs;
    const group = this.groups.get(reading);
    const open = group.open;
    if (time + gap <= this.watermark) {
      // A session of its own would be over: taken only inside a session still open, whose bounds it leaves alone.
      const inside = open.find((s) => time >= s.first && time <= s.last);
      if (inside) inside.accumulator.add(value, time);
      else this.counters.late += 1;
      return;
    }
    if (time < group.closedUntil) {
      this.counters.late += 1;
      return;
    }
    // Open sessions never overlap, so only the nearest on either side can take the reading: `before` is the last
    // starting at or before it (which holds it when it falls within), `after` the first starting later.
    let after = open.length;
    while (after > 0 && open[after - 1]!.first > time) after--;
    const before = after > 0 ? open[after - 1] : undefined;
    let session: Session;
    if (before !== undefined && time <= before.last) {
      session = before;
    } else {
      const next = after < open.length ? open[after] : undefined;
      const max = this.maxDurationMs;
      const joinsBefore = before !== undefined && time < before.last + gap && time - before.first < max;
      const joinsNext = next !== undefined && time > next.first - gap && next.last - time < max;
      if (joinsBefore && joinsNext && next.last - before.first < max) {
        // It bridges the two: one session, the later one's readings after the earlier one's.
        before.accumulator.merge(next.accumulator);
        before.last = next.last;
        open.splice(after, 1);
        session = before;
      } else if (joinsBefore) {
        session = before;
      } else if (joinsNext) {
        session = next;
      } else {
        session = { first: time, last: time, accumulator: this.aggregates.create(this.horizon) };
        open.splice(after, 0, session);
      }
    }
    session.accumulator.add(value, time);
    if (time < session.first) session.first = time;
    if (time > session.last) session.last = time;
    const due = this.dueTime(session);
    if (due < this.nextDue) this.nextDue = due;
  }

  advance(now: number, out: WindowResult[]): void {
    const watermark = now - this.timing.allowedLatenessMs;
    if (watermark > this.watermark) this.watermark = watermark;
    if (now - this.maxDelayMs > this.horizon.time) this.horizon.time = now - this.maxDelayMs;
    if (this.watermark < this.nextDue) return;
    const gap = this.spec.gapMs;
    let nextDue = Number.POSITIVE_INFINITY;
    const from = out.length;
    for (const group of this.groups.states()) {
      const open = group.open;
      for (let i = 0; i < open.length; ) {
        const session = open[i]!;
        const due = this.dueTime(session);
        if (due <= this.watermark) {
          out.push(this.result(group.identity, session));
          if (due > group.closedUntil) group.closedUntil = due;
          open.splice(i, 1);
        } else {
          nextDue = Math.min(nextDue, due);
          i++;
        }
      }
    }
    this.nextDue = nextDue;
    sortByEnd(out, from);
    // Kept while a reading whose own session is not over could still come within the gap of an emitted session.
    this.groups.prune((group) => group.open.length === 0 && group.closedUntil + gap <= this.watermark);
  }

  clockStepped(out: WindowResult[]): void {
    const from = out.length;
    for (const group of this.groups.states()) for (const session of group.open) out.push(this.result(group.identity, session));
    sortByEnd(out, from);
    this.groups.prune(() => true);
    this.watermark = Number.NEGATIVE_INFINITY;
    this.nextDue = Number.POSITIVE_INFINITY;
    this.horizon.time = Number.NEGATIVE_INFINITY;
  }

  /** Readings the open sessions store one by one for twa, integral and rate (the rest are folded). */
  storedPoints(): number {
    let points = 0;
    for (const group of this.groups.states()) for (const session of group.open) points += session.accumulator.storedPoints;
    return points;
  }

  /** Once no reading can join the session: a gap after its last reading, or `max_duration` after its first. */
  private dueTime(session: Session): number {
    return Math.min(session.last + this.spec.gapMs, session.first + this.maxDurationMs);
  }

  private result(identity: GroupIdentity, session: Session): WindowResult {
    const values: Record<string, number> = {};
    session.accumulator.emit(values, session.first, session.last);
    return {
      kind: 'window',
      rule: this.rule,
      source: identity.source,
      sensor: identity.sensor,
      tags: identity.tags,
      start: session.first,
      end: session.last,
      values,
    };
  }
}
