import { AGGREGATES, type AggregateName } from './aggregates.js';
import { BasicStats } from './basic-stats.js';
import type { Reading, Tags } from './reading.js';
import type { WindowResult } from './rule-result.js';
import type { TumblingWindowSpec } from './rule-spec.js';

interface OpenWindow {
  readonly start: number;
  readonly stats: BasicStats;
}

/** Everything the windows of one sensor share: which sensor it is, and its open windows oldest first. */
interface SensorWindows {
  readonly source: string;
  readonly sensor: string;
  readonly tags: Tags;
  readonly open: OpenWindow[];
}

/**
 * Groups readings by source and sensor into epoch-aligned tumbling windows on event time.
 * A window closes once the watermark (the time passed to `advance`, less the allowed lateness) reaches its end;
 * a reading for a window that has already closed is late: counted and dropped.
 */
export class TumblingWindow {
  /** Source → sensor → windows; nested rather than a joined key so the hot path builds no strings. */
  private readonly bySource = new Map<string, Map<string, SensorWindows>>();
  private watermark = Number.NEGATIVE_INFINITY;
  /** Earliest end of any open window, so `advance` can skip the scan when nothing is due. */
  private nextEnd = Number.POSITIVE_INFINITY;
  lateReadings = 0;

  constructor(
    private readonly rule: string,
    private readonly spec: TumblingWindowSpec,
    private readonly aggregates: readonly AggregateName[],
  ) {
    // A size of 0 (`0s`, `0.4ms`) would put every reading in a window of its own with a NaN start that never closes.
    if (!(spec.sizeMs > 0)) throw new RangeError(`rule "${rule}": window size must be at least 1ms, got ${spec.sizeMs}ms`);
  }

  add(reading: Reading): void {
    const size = this.spec.sizeMs;
    const start = Math.floor(reading.timestamp / size) * size;
    const end = start + size;
    if (end <= this.watermark) {
      this.lateReadings += 1;
      return;
    }
    let ofSource = this.bySource.get(reading.source);
    if (!ofSource) {
      ofSource = new Map();
      this.bySource.set(reading.source, ofSource);
    }
    let windows = ofSource.get(reading.sensor);
    if (!windows) {
      windows = { source: reading.source, sensor: reading.sensor, tags: reading.tags, open: [] };
      ofSource.set(reading.sensor, windows);
    }
    windowFor(windows.open, start).stats.add(reading.value);
    if (end < this.nextEnd) this.nextEnd = end;
  }

  /** Moves time to `now` and returns the windows that closed, oldest end first. */
  advance(now: number): WindowResult[] {
    const watermark = now - this.spec.allowedLatenessMs;
    if (watermark > this.watermark) this.watermark = watermark;
    if (this.watermark < this.nextEnd) return [];

    const closed: WindowResult[] = [];
    let nextEnd = Number.POSITIVE_INFINITY;
    for (const [source, ofSource] of this.bySource) {
      for (const [sensor, windows] of ofSource) {
        const open = windows.open;
        while (open.length > 0 && open[0]!.start + this.spec.sizeMs <= this.watermark) {
          closed.push(this.result(windows, open.shift()!));
        }
        if (open.length === 0) ofSource.delete(sensor);
        else if (open[0]!.start + this.spec.sizeMs < nextEnd) nextEnd = open[0]!.start + this.spec.sizeMs;
      }
      if (ofSource.size === 0) this.bySource.delete(source);
    }
    this.nextEnd = nextEnd;
    return closed.sort((a, b) => a.end - b.end);
  }

  private result(windows: SensorWindows, window: OpenWindow): WindowResult {
    const values: Record<string, number> = {};
    for (const name of this.aggregates) values[name] = AGGREGATES[name](window.stats);
    return {
      kind: 'window',
      rule: this.rule,
      source: windows.source,
      sensor: windows.sensor,
      tags: windows.tags,
      start: window.start,
      end: window.start + this.spec.sizeMs,
      values,
    };
  }
}

/** Finds or inserts the window starting at `start`, keeping `open` sorted by start. */
function windowFor(open: OpenWindow[], start: number): OpenWindow {
  for (let i = open.length - 1; i >= 0; i--) {
    const window = open[i]!;
    if (window.start === start) return window;
    if (window.start < start) {
      const created = { start, stats: new BasicStats() };
      open.splice(i + 1, 0, created);
      return created;
    }
  }
  const created = { start, stats: new BasicStats() };
  open.unshift(created);
  return created;
}
