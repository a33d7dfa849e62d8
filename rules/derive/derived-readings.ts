import { compileNumericExpression, type ExpressionContext } from '../filter-expression.js';
import type { Reading } from '../reading.js';
import { SensorStates } from '../sensor-states.js';
import type { DeriveSpec } from './derive-spec.js';

interface DeviceInputs {
  readonly values: Float64Array;
  readonly times: Float64Array;
}

/**
 * Combines the latest readings of a device's input sensors into a derived reading. Each time an input arrives and
 * every other input has a reading within the tolerance of it, the formula is evaluated; the derived reading takes
 * the newest of the input timestamps. Inputs that are NaN or infinite results are dropped, not emitted.
 */
export class DerivedReadings {
  private readonly variables: string[];
  private readonly inputIndex = new Map<string, number>();
  /** Latest inputs per source and device. */
  private readonly devices = new SensorStates<DeviceInputs>();
  private readonly evaluate: (context: ExpressionContext) => number;
  private readonly context: ExpressionContext;
  /** Evaluations that gave NaN or ±Infinity (e.g. log of a negative humidity). */
  notFinite = 0;

  constructor(private readonly spec: DeriveSpec) {
    this.variables = Object.keys(spec.inputs);
    this.variables.forEach((variable, index) => this.inputIndex.set(spec.inputs[variable]!, index));
    this.evaluate = compileNumericExpression(spec.expression, this.variables);
    this.context = { reading: undefined as unknown as Reading, prev: Number.NaN, variables: {} };
  }

  /**
   * Takes a reading that reached the engine at `now` (its timestamp by default); returns the derived reading it
   * completes, if any. Readings of other sensors are ignored.
   */
  offer(reading: Reading, now: number = reading.timestamp): Reading | undefined {
    const slash = reading.sensor.lastIndexOf('/');
    const leaf = slash < 0 ? reading.sensor : reading.sensor.slice(slash + 1);
    const index = this.inputIndex.get(leaf);
    if (index === undefined) return undefined;
    const device = slash < 0 ? '' : reading.sensor.slice(0, slash);
    const inputs = this.inputsOf(reading.source, device, now);
    inputs.values[index] = reading.value;
    inputs.times[index] = reading.timestamp;

    let newest = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.variables.length; i++) {
      const time = inputs.times[i]!;
      if (Number.isNaN(time) || Math.abs(time - reading.timestamp) > this.spec.toleranceMs) return undefined;
      if (time > newest) newest = time;
    }
    const variables = this.context.variables;
    for (let i = 0; i < this.variables.length; i++) variables[this.variables[i]!] = inputs.values[i]!;
    this.context.reading = reading;
    const value = this.evaluate(this.context);
    if (!Number.isFinite(value)) {
      this.notFinite += 1;
      return undefined;
    }
    return {
      source: reading.source,
      sensor: device === '' ? this.spec.output : `${device}/${this.spec.output}`,
      value,
      timestamp: newest,
      tags: reading.tags,
    };
  }

  /** The wall clock was set: readings from before the step do not pair with readings after it. */
  clockStepped(): void {
    this.devices.clear();
  }

  /** Forgets devices none of whose inputs had a reading for `silentMs` by `now` (a slice of them per call). */
  forgetSilent(now: number, silentMs: number): void {
    this.devices.forgetSilent(now, silentMs);
  }

  /** Devices whose latest inputs are kept. */
  get trackedDevices(): number {
    return this.devices.size;
  }

  private inputsOf(source: string, device: string, now: number): DeviceInputs {
    return (
      this.devices.seen(source, device, now) ??
      this.devices.add(source, device, now, {
        values: new Float64Array(this.variables.length),
        times: new Float64Array(this.variables.length).fill(Number.NaN),
      })
    );
  }
}
