import type { Reading } from '../reading.js';
import type { WindowResult } from '../rule-result.js';

/** Counters a window operator keeps for health and metrics. */
export interface WindowCounters {
  /** Readings that came after their window was emitted and were dropped. */
  late: number;
  /** Readings that came late and updated an emitted window (`late: update`). */
  lateUpdates: number;
  /** Empty windows not emitted because a single advance had too many due (a clock jump). */
  emptySkipped: number;
}

/** Groups readings into windows and emits a result per group and window once it is due. */
export interface WindowOperator {
  readonly counters: WindowCounters;
  /** Takes one reading whose `timestamp` is already the time the window goes by (event or processing time). */
  add(reading: Reading): void;
  /** Moves time to `now` and appends the results that became due to `out`, oldest end first. */
  advance(now: number, out: WindowResult[]): void;
  /**
   * The wall clock was set (a jump at NTP synchronisation, a step back): time on either side of the step does not
   * compare. Windows on time emit what they hold now, as it is, and forget the timeline (watermark, emitted windows
   * open to late updates, the grid of empty windows), so a jump forward closes no run of empty windows and a step
   * back reopens nothing. Count windows are measured in readings and carry on.
   */
  clockStepped(out: WindowResult[]): void;
}

/** Window bounds are whole milliseconds; `Math.floor` of a division keeps negative times (before 1970) right too. */
export function floorTo(time: number, step: number, offset: number): number {
  return Math.floor((time - offset) / step) * step + offset;
}

/** Groups are scanned one after another; results of one advance are put in time order across groups. */
export function sortByEnd(out: { end: number }[], from: number): void {
  if (out.length - from < 2) return;
  let sorted = true;
  for (let i = from + 1; i < out.length && sorted; i++) sorted = out[i - 1]!.end <= out[i]!.end;
  if (sorted) return;
  const appended = out.splice(from).sort((a, b) => a.end - b.end);
  for (const result of appended) out.push(result);
}
