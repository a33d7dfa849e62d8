import type { Reading } from '../reading.js';
import { didYouMeanSuffix } from '../did-you-mean.js';
import { describeInput, explainIssues } from '../issue-explainer.js';
import { TRANSFORM_NAMES, TRANSFORM_SCHEMAS, TRANSFORMS } from './registry.js';
import type { SensorMemory } from './per-sensor.js';
import type { Transform } from './transform.js';
import { withValue } from './copy-reading.js';

export { TRANSFORM_NAMES, TRANSFORM_SCHEMAS, transformStepSchema } from './registry.js';

/** A `transform:` step that cannot be compiled; `index` is its position in the list (0-based). */
export class TransformError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
    this.name = 'TransformError';
  }
}

/** One step as written in YAML: a mapping with one key, the step's name (`{ multiply: 1.8 }`). */
export type TransformStepConfig = Record<string, unknown>;

/** A rule's `transform:` list, compiled: the steps run in order on each reading. */
export interface TransformChain {
  /**
   * Runs a reading through every step; undefined when a step dropped it (or holds it, as debounce does). `now`: when
   * it reached the engine (its timestamp when left out), for forgetting sensors gone silent.
   */
  apply(reading: Reading, now?: number): Reading | undefined;
  /**
   * Moves time to `now`: returns what time-driven steps (heartbeat, debounce, throttle_average) emit by then, each
   * passed through the steps after the one that emitted it.
   */
  advance(now: number): Reading[];
  /** The wall clock was set by `stepMs`: returns what steps release, each passed through the steps after it. */
  clockStepped(stepMs: number): Reading[];
  /**
   * Forgets the state of sensors that had no reading at a step for `silentMs` by `now` (a slice of them per call),
   * except what a step still holds to send (a debounced reading, an open average), which `advance` sends first.
   */
  forgetSilent(now: number, silentMs: number): void;
  /** Sensors whose state the steps keep, summed over the steps. */
  readonly trackedSensors: number;
  /** How many steps the chain has. */
  readonly steps: number;
  /** Readings a step could not compute (an expression that gave NaN or infinity), summed over the steps. */
  readonly errors: number;
  /**
   * When every step only maps the value (multiply, offset …): that mapping, so a caller that needs only the value
   * can skip the copy of the reading `apply` makes.
   */
  readonly mapValue?: (value: number) => number;
}

/**
 * Compiles a rule's `transform:` list once, at load time. Throws a TransformError naming the first step that is
 * wrong and what to do about it. Every call builds fresh steps, with fresh per-sensor state.
 */
export function compileTransforms(steps: readonly unknown[]): TransformChain {
  const transforms = steps.map(compileStep);
  return new Chain(fuseValueSteps(transforms), transforms.length);
}

/**
 * Neighbouring steps that only map the value (`multiply: 1.01`, `offset: -0.2`) as one step: the same values,
 * computed in the same order, in one copy of the reading instead of one per step.
 */
function fuseValueSteps(transforms: readonly Transform[]): Transform[] {
  const fused: Transform[] = [];
  for (let i = 0; i < transforms.length; ) {
    let end = i;
    while (end < transforms.length && transforms[end]!.mapValue) end++;
    if (end - i < 2) {
      fused.push(transforms[i]!);
      i++;
      continue;
    }
    const maps = transforms.slice(i, end).map((transform) => transform.mapValue!);
    const mapValue = (value: number): number => {
      for (let k = 0; k < maps.length; k++) value = maps[k]!(value);
      return value;
    };
    fused.push({ apply: (reading) => withValue(reading, mapValue(reading.value)), mapValue });
    i = end;
  }
  return fused;
}

function compileStep(step: unknown, index: number): Transform {
  let name: string;
  let options: unknown;
  if (typeof step === 'string' && Object.hasOwn(TRANSFORMS, step)) {
    // `- median` reads as `- median:`: the step with its default options.
    name = step;
    options = null;
  } else if (step === null || typeof step !== 'object' || Array.isArray(step)) {
    const suggestion = typeof step === 'string' ? didYouMeanSuffix(step, TRANSFORM_NAMES) : '';
    throw new TransformError(`each step is a mapping with one key, such as "multiply: 1.8"; got ${describeInput(step)}${suggestion}`, index);
  } else {
    const keys = Object.keys(step);
    if (keys.length !== 1) {
      throw new TransformError(
        keys.length === 0
          ? 'empty step: write one transform, such as "multiply: 1.8"'
          : `a step holds one transform, this one has ${keys.map((key) => `"${key}"`).join(', ')}: give each its own "- " line (they run in list order)`,
        index,
      );
    }
    name = keys[0]!;
    options = (step as TransformStepConfig)[name];
  }
  const definition = Object.hasOwn(TRANSFORMS, name) ? TRANSFORMS[name] : undefined;
  if (!definition) {
    const suggestion = didYouMeanSuffix(name, TRANSFORM_NAMES);
    throw new TransformError(
      `unknown transform "${name}"${suggestion || `; known transforms: ${TRANSFORM_NAMES.join(', ')}`}`,
      index,
    );
  }
  const parsed = definition.schema.safeParse(options, { reportInput: true });
  if (!parsed.success) {
    throw new TransformError(explainIssues(parsed.error.issues, definition.schema, [name]).join('; '), index);
  }
  return definition.create(parsed.data);
}

class Chain implements TransformChain {
  readonly steps: number;
  readonly mapValue: ((value: number) => number) | undefined;
  /** Positions of the steps that emit on their own, in order. */
  private readonly timed: number[];
  /** The per-sensor state of the stateful steps. */
  private readonly memories: SensorMemory[];

  /** `steps`: how many steps the rule lists (neighbouring value steps may run as one transform). */
  constructor(
    private readonly transforms: readonly Transform[],
    steps: number,
  ) {
    this.steps = steps;
    // Neighbouring value steps are fused, so a chain of value steps alone is one transform.
    this.mapValue = transforms.length === 1 ? transforms[0]!.mapValue : undefined;
    this.timed = transforms.flatMap((transform, i) => (transform.advance ? [i] : []));
    this.memories = transforms.flatMap((transform) => (transform.sensors ? [transform.sensors] : []));
  }

  apply(reading: Reading, now?: number): Reading | undefined {
    return this.applyFrom(0, reading, now);
  }

  advance(now: number): Reading[] {
    const out: Reading[] = [];
    // Upstream steps first: what they release reaches the later timed steps before those are advanced.
    for (const i of this.timed) {
      for (const released of this.transforms[i]!.advance!(now)) {
        const result = this.applyFrom(i + 1, released, now);
        if (result) out.push(result);
      }
    }
    return out;
  }

  clockStepped(stepMs: number): Reading[] {
    for (const memory of this.memories) memory.clockStepped(stepMs);
    const out: Reading[] = [];
    for (let i = 0; i < this.transforms.length; i++) {
      for (const released of this.transforms[i]!.clockStepped?.(stepMs) ?? []) {
        const result = this.applyFrom(i + 1, released, undefined);
        if (result) out.push(result);
      }
    }
    return out;
  }

  forgetSilent(now: number, silentMs: number): void {
    for (const memory of this.memories) memory.forgetSilent(now, silentMs);
  }

  get errors(): number {
    let errors = 0;
    for (const transform of this.transforms) errors += transform.errors ?? 0;
    return errors;
  }

  get trackedSensors(): number {
    let sensors = 0;
    for (const memory of this.memories) sensors += memory.size;
    return sensors;
  }

  private applyFrom(start: number, reading: Reading, now: number | undefined): Reading | undefined {
    let current: Reading | undefined = reading;
    for (let i = start; i < this.transforms.length && current; i++) current = this.transforms[i]!.apply(current, now);
    return current;
  }
}
