import type { Tags } from './reading.js';

/** The aggregates of one closed window for one sensor: what a rule emits. */
export interface WindowResult {
  readonly kind: 'window';
  /** Name of the rule that produced it (`rules.<name>`). */
  readonly rule: string;
  readonly source: string;
  readonly sensor: string;
  readonly tags: Tags;
  /** Window bounds in ms since the epoch: start inclusive, end exclusive. */
  readonly start: number;
  readonly end: number;
  /** Aggregate name → value, in the order the rule lists them. Absent where undefined (stddev of one reading). */
  readonly values: Readonly<Record<string, number>>;
  /** 0 for the first emission; 1, 2 … each time a late reading updated the window (`late: update`). */
  readonly revision?: number;
  /**
   * Set when a full buffer merged this many consecutive windows into this one (see `agent/buffer/window-compaction.ts`):
   * `start`/`end` span them all and only the aggregates that merge exactly are kept.
   */
  readonly compacted?: number;
}

/** A reading a rule passes on without a window: transformed, or derived from several sensors. */
export interface ReadingResult {
  readonly kind: 'reading';
  readonly rule: string;
  readonly source: string;
  readonly sensor: string;
  readonly tags: Tags;
  readonly timestamp: number;
  readonly value: number;
}

/** Where an alert is in its lifecycle: `inactive` only appears as the state an alert left. */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

export type AlertSeverity = 'info' | 'warning' | 'critical';

/**
 * One transition of an alert (never one per reading): pending → firing → resolved, or pending → resolved when the
 * condition cleared before `for:` ran out. Goes through the buffer and to the sinks like any other result.
 */
export interface AlertResult {
  readonly kind: 'alert';
  readonly rule: string;
  readonly source: string;
  readonly sensor: string;
  readonly tags: Tags;
  /** When the transition happened, in ms since the epoch. */
  readonly timestamp: number;
  readonly state: Exclude<AlertState, 'inactive'>;
  readonly previous: AlertState;
  /** Which detector raised it: its name under `alert:` (one of DETECTOR_NAMES, rules/anomaly/detectors.ts). */
  readonly detector: string;
  readonly severity: AlertSeverity;
  /** The reading value that caused the transition (NaN for missing data). */
  readonly value: number;
  /** The rendered message template. */
  readonly message: string;
  /** When the current episode began (entered pending), in ms since the epoch. */
  readonly since: number;
  /** Extra labels from the rule. */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * On a `resolved` transition whose condition had not cleared: `acknowledged` (a person acknowledged it) or
   * `new normal` (`learn_new_normal_after` ran out). Absent when the sensor came back to normal.
   */
  readonly resolution?: 'acknowledged' | 'new normal';
}

/** The rule name of results the agent makes about itself rather than about sensors. */
export const AGENT_RULE = '_agent';

/**
 * Something that happened to the agent, not to a sensor: an `outage`, a sink that could not be reached from
 * `timestamp` to `end` while `held` results waited in the buffer; a `clock-step`, the wall clock set at `timestamp`
 * (`held`: the windows sent as they were at the step). Made by the agent (rule `_agent`, never by
 * the engine), buffered and sent to every sink like a result, and shaped to be a Grafana annotation (time, end,
 * text, tags).
 */
export interface EventResult {
  readonly kind: 'event';
  readonly rule: typeof AGENT_RULE;
  /** The agent's name (`agent.name`, or the host name). */
  readonly source: string;
  /** What the event is about: for an outage, the sink's name; for a clock step, `clock`. */
  readonly sensor: string;
  readonly tags: Tags;
  /** outage: a sink was unreachable; clock-step: the wall clock was set (at NTP synchronisation, or by hand). */
  readonly event: 'outage' | 'clock-step';
  /** Start of the event (the first failed send), ms since the epoch. */
  readonly timestamp: number;
  /** End of the event (the first successful send after it). */
  readonly end: number;
  /** Results that were waiting for that sink when it came back. */
  readonly held: number;
  readonly message: string;
}

/** Everything the engine can emit, and the agent's own events, which travel the same way. */
export type RuleResult = WindowResult | ReadingResult | AlertResult | EventResult;
