import type { CompiledAggregates, WindowAccumulator } from '../aggregates/compile-aggregates.js';
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
  /** Open sessions by `first` ascending; they never overlap within `gap` of each other. */
  readonly open: Session[];
  /** Last reading plus gap of the latest emitted session: a reading before it would have joined an emitted session. */
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
 */
export class SessionWindows implements WindowOperator {
  readonly counters: WindowCounters = { late: 0, lateUpdates: 0, emptySkipped: 0 };
  private readonly groups: GroupIndex<GroupSessions>;
  private watermark = Number.NEGATIVE_INFINITY;
  private nextDue = Number.POSITIVE_INFINITY;

  constructor(
    private readonly rule: string,
    private readonly spec: SessionWindowSpec,
    private readonly timing: WindowTiming,
    private readonly aggregates: CompiledAggregates,
    groupBy: GroupBy,
  ) {
    if (!(spec.gapMs >= 1)) throw new RangeError(`rule "${rule}": session gap must be at least 1ms`);
    this.groups = new GroupIndex(groupBy, rule, (identity) => ({ identity, open: [], closedUntil: Number.NEGATIVE_INFINITY }));
  }

  add(reading: Reading): void {
    const time = reading.timestamp;
    const gap = this.spec.gapMs;
    const group = this.groups.get(reading);
    const open = group.open;
    if (time + gap <= this.watermark) {
      // A session of its own would be over: taken only inside a session still open, whose bounds it leaves alone.
      const inside = open.find((s) => time >= s.first && time <= s.last);
      if (inside) inside.accumulator.add(reading.value, time);
      else this.counters.late += 1;
      return;
    }
    if (time < group.closedUntil) {
      this.counters.late += 1;
      return;
    }
    // Sessions this reading touches: those with first - gap < time < last + gap.
    let firstTouched = -1;
    let lastTouched = -1;
    for (let i = 0; i < open.length; i++) {
      const session = open[i]!;
      if (time > session.first - gap && time < session.last + gap) {
        if (firstTouched < 0) firstTouched = i;
        lastTouched = i;
      }
    }
    let session: Session;
    if (firstTouched < 0) {
      session = { first: time, last: time, accumulator: this.aggregates.create() };
      let i = open.length;
      while (i > 0 && open[i - 1]!.first > time) i--;
      open.splice(i, 0, session);
    } else {
      session = open[firstTouched]!;
      for (let i = lastTouched; i > firstTouched; i--) {
        const merged = open[i]!;
        session.accumulator.merge(merged.accumulator);
        session.last = Math.max(session.last, merged.last);
        open.splice(i, 1);
      }
    }
    session.accumulator.add(reading.value, time);
    if (time < session.first) session.first = time;
    if (time > session.last) session.last = time;
    if (session.last + gap < this.nextDue) this.nextDue = session.last + gap;
  }

  advance(now: number, out: WindowResult[]): void {
    const watermark = now - this.timing.allowedLatenessMs;
    if (watermark > this.watermark) this.watermark = watermark;
    if (this.watermark < this.nextDue) return;
    const gap = this.spec.gapMs;
    let nextDue = Number.POSITIVE_INFINITY;
    const from = out.length;
    for (const group of this.groups.states()) {
      const open = group.open;
      for (let i = 0; i < open.length; ) {
        const session = open[i]!;
        if (session.last + gap <= this.watermark) {
          out.push(this.result(group.identity, session));
          if (session.last + gap > group.closedUntil) group.closedUntil = session.last + gap;
          open.splice(i, 1);
        } else {
          nextDue = Math.min(nextDue, session.last + gap);
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
