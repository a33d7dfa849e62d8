import type { Reading } from '../reading.js';
import type { SensorMemory } from './per-sensor.js';

/**
 * One step of a rule's `transform:` list, applied to each reading in turn. State (previous value, smoothing
 * windows …) is kept per source and sensor inside the transform.
 */
export interface Transform {
  /**
   * Returns the reading to pass on (the same object, or a changed copy), or undefined to drop it (throttled,
   * unchanged, duplicate, or a smoothing filter between two `send_every` outputs). `now` is when the reading reached
   * the engine (its timestamp when left out): the time a stateful step stamps its sensor's state with.
   */
  apply(reading: Reading, now?: number): Reading | undefined;
  /**
   * For a step that only maps the value (no state, no time, never drops): the mapping `apply` applies. The chain
   * runs neighbouring such steps as one, which copies the reading once rather than once per step.
   */
  readonly mapValue?: (value: number) => number;
  /**
   * Moves time forward; returns readings due by `now` (heartbeat re-sends). Transforms that never emit on their
   * own leave it out.
   */
  advance?(now: number): Reading[];
  /**
   * The wall clock was set by `stepMs` (positive: forward). Steps whose state holds a time still to come (a due
   * time, an interval end) move it or release what they hold, so a step back does not silence them for as long as
   * the step; returns what they release. Steps that compare only reading timestamps with each other leave it out.
   */
  clockStepped?(stepMs: number): Reading[];
  /** The step's per-sensor state, for forgetting sensors gone silent; stateless steps leave it out. */
  readonly sensors?: SensorMemory;
  /**
   * Readings the step could not compute and dropped (an expression that gave NaN or infinity): rule errors, which
   * a healthy rule does not make. Steps that cannot fail leave it out.
   */
  readonly errors?: number;
}
