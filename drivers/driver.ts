import type { Reading } from '../rules/reading.js';
import type { Clock } from './clock.js';
import type { RuleResult } from '../rules/rule-result.js';

/** The few logging calls a driver needs; the agent passes a pino child logger named after the instance. */
export interface DriverLogger {
  debug(context: object, message: string): void;
  info(context: object, message: string): void;
  warn(context: object, message: string): void;
  error(context: object, message: string): void;
}

/** What the agent hands every driver instance. Constructors store it; work starts in `start()`. */
export interface DriverContext {
  /** The instance name from the config (`sources.<name>` or `sinks.<name>`). */
  readonly name: string;
  readonly log: DriverLogger;
  /** Wall-clock time in ms; injected so tests can control it. The same as `clock.now()` unless a test sets it apart. */
  now(): number;
  /** Timers and monotonic time: a driver waits, polls and backs off on this clock, never on Node's timers directly. */
  readonly clock: Clock;
  /**
   * Reports input that was rejected (a malformed line, bad JSON, NaN …). It is counted per kind and logged
   * with its context at most once a minute per kind; the driver carries on.
   */
  badInput(kind: string, message: string, context?: Record<string, unknown>): void;
  /** Reports whether the far side is reachable, for health and logs. */
  setConnected(connected: boolean, reason?: string): void;
}

/** A source of readings: a device, a bus, a broker subscription, the host itself. */
export interface SourceDriver {
  /**
   * Starts producing readings into `emit`. Resolves once running; a device that is absent is retried, not fatal.
   * `timeFromInput`: the reading's timestamp is one its input carried (a payload's time field), not the arrival time;
   * the agent then checks it against its clock (`timestamps:`, `time.source_timestamps`).
   */
  start(emit: (reading: Reading, timeFromInput?: boolean) => void): Promise<void>;
  /** Stops producing and releases devices and connections. */
  stop(): Promise<void>;
}

/** One result taken from the buffer for delivery, with its position in the buffer. */
export interface BufferedResult {
  /** Outbox sequence number: increases with every result, so a sink can see order and gaps. */
  readonly seq: number;
  readonly result: RuleResult;
  /**
   * Stable across resends and restarts, and the same on every sink: a hash of the agent, rule, series (source,
   * sensor, tags) and time (window start, reading or alert time), so upstream can de-duplicate at-least-once
   * delivery. A revised window keeps its id (it replaces the earlier emission).
   */
  readonly id?: string;
  /** When the result was committed to the buffer, ms since the epoch. */
  readonly createdAt?: number;
  /** True when it is sent late (longer than `forwarding.backfill_after` after it was committed), e.g. after an outage. */
  readonly backfilled?: boolean;
  /**
   * Set when the result was made while the system clock was not synchronised (a Pi without a real-time clock after
   * boot): the clock segment its times were stamped in. The agent's business, for re-dating; sinks ignore it.
   */
  readonly clock?: ClockStamp;
  /**
   * How far its times can be trusted, when not simply (synchronised clock, the default): `redated` when they were
   * corrected once the clock synchronised, `unsynchronised` when they are as a clock that was never synchronised said.
   */
  readonly timeQuality?: 'redated' | 'unsynchronised';
}

/** Where a result's times were stamped: a stretch between two steps of the wall clock, within one boot. */
export interface ClockStamp {
  readonly segment: number;
  readonly boot: string;
  /**
   * Monotonic time (ms since boot) when the result was buffered: its hold for synchronisation is measured from here,
   * as no step of the wall clock moves it. Absent in stamps written before it was recorded.
   */
  readonly monotonic?: number;
}

/** A batch of buffered results, oldest first, handed to one sink. */
export type SinkBatch = readonly BufferedResult[];

/** A destination for results: a broker, a database, the console. */
export interface SinkDriver {
  /** Connects, or starts trying to; must not wait for the far side to be reachable. */
  start(): Promise<void>;
  /**
   * Delivers a batch and resolves only once the far side has accepted all of it (MQTT: every PUBACK).
   * Rejects when it could not; the batch stays in the buffer and is offered again.
   */
  send(batch: SinkBatch): Promise<void>;
  /** Disconnects, giving in-flight sends a moment to finish. */
  stop(): Promise<void>;
}
