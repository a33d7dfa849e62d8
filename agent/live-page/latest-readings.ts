import type { Reading } from '../../rules/reading.js';
import type { PipelineTap } from '../health/pipeline-tap.js';

/** A sensor's newest reading as the live page lists it. */
export interface LatestReading {
  readonly source: string;
  readonly sensor: string;
  readonly value: number;
  /** From the reading's `unit` tag, when it has one. */
  readonly unit: string | undefined;
  readonly time: number;
}

/** What is kept of a sensor's newest reading: one record per sensor, overwritten by each reading. */
interface Latest {
  readonly source: string;
  readonly sensor: string;
  value: number;
  unit: string | undefined;
  time: number;
}

/**
 * The newest reading of every sensor the rules accepted, for the live page's list, fed by the pipeline tap only
 * while the page's server runs. Every reading passes through here, at 10,000 a second too: each sensor has one
 * record, overwritten in place, found by source then sensor (no key string built per reading), and no reading object
 * is kept alive for the garbage collector to carry into the old generation.
 */
export class LatestReadings {
  private readonly bySource = new Map<string, Map<string, Latest>>();
  private readonly untap: () => void;

  constructor(tap: PipelineTap) {
    this.untap = tap.onReading((reading) => this.take(reading));
  }

  list(): LatestReading[] {
    const rows: LatestReading[] = [];
    for (const bySensor of this.bySource.values()) {
      for (const latest of bySensor.values()) rows.push({ source: latest.source, sensor: latest.sensor, value: latest.value, unit: latest.unit, time: latest.time });
    }
    return rows.sort((a, b) => (a.sensor === b.sensor ? a.source.localeCompare(b.source) : a.sensor.localeCompare(b.sensor)));
  }

  /** Sensors the agent forgot (silent for `agent.forget_silent_sensors`) leave the list too. */
  forget(source: string, sensor: string): void {
    const bySensor = this.bySource.get(source);
    if (bySensor?.delete(sensor) && bySensor.size === 0) this.bySource.delete(source);
  }

  close(): void {
    this.untap();
  }

  private take(reading: Reading): void {
    let bySensor = this.bySource.get(reading.source);
    if (bySensor === undefined) {
      bySensor = new Map();
      this.bySource.set(reading.source, bySensor);
    }
    const latest = bySensor.get(reading.sensor);
    if (latest === undefined) {
      bySensor.set(reading.sensor, { source: reading.source, sensor: reading.sensor, value: reading.value, unit: reading.tags.unit, time: reading.timestamp });
      return;
    }
    latest.value = reading.value;
    latest.unit = reading.tags.unit;
    latest.time = reading.timestamp;
  }
}
