/** Fixed windows of `sizeMs`, a new one every `slideMs` (tumbling: slide = size), aligned to the epoch plus `offsetMs`. */
export interface TimeWindowSpec {
  readonly type: 'tumbling' | 'hopping';
  readonly sizeMs: number;
  readonly slideMs: number;
  readonly offsetMs: number;
}

/** A window per burst of activity: it ends once no reading came for `gapMs`, or once it lasted `maxDurationMs`. */
export interface SessionWindowSpec {
  readonly type: 'session';
  readonly gapMs: number;
  /** A session spans less than this from its first reading to its last; a reading past that starts the next one. */
  readonly maxDurationMs?: number;
}

/** Every `slide` readings, the last `size` readings (tumbling when slide = size). */
export interface CountWindowSpec {
  readonly type: 'count';
  readonly size: number;
  readonly slide: number;
}

/** What the rule does about time, lateness and windows without readings; shared by every window type. */
export interface WindowTiming {
  /** event: the reading's own timestamp; processing: the time it reached the engine. */
  readonly time: 'event' | 'processing';
  /** How long after its end a window waits for stragglers before it is emitted. */
  readonly allowedLatenessMs: number;
  /** A reading for a window already emitted: dropped (and counted), or added and the window emitted again. */
  readonly late: 'drop' | 'update';
  /** With `late: update`, how long after emission a window can still be updated. */
  readonly updateWithinMs: number;
  /**
   * A reading whose timestamp is more than this behind the clock (the latest `advance`) is late even when its window
   * is still open. Unset: only a window's end decides. Lets twa, integral and rate fold what is older into sums.
   */
  readonly maxDelayMs?: number;
  /** Time windows that saw no reading: skipped, or emitted with count 0 (for groups seen before). */
  readonly empty: 'skip' | 'emit';
}

export type WindowSpec = (TimeWindowSpec | SessionWindowSpec | CountWindowSpec) & WindowTiming;
