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

/**
 * The newest reading of every sensor the rules accepted, for the live page's list. It keeps a reference to each
 * sensor's last reading (no copy) and is fed by the pipeline tap only while the page's server runs.
 */
export class LatestReadings {
  private readonly latest = new Map<string, Reading>();
  private readonly untap: () => void;

  constructor(tap: PipelineTap) {
    this.untap = tap.onReading((reading) => this.latest.set(`${reading.source}\u0000${reading.sensor}`, reading));
  }

  list(): LatestReading[] {
    const rows: LatestReading[] = [];
    for (const reading of this.latest.values()) {
      rows.push({ source: reading.source, sensor: reading.sensor, value: reading.value, unit: reading.tags.unit, time: reading.timestamp });
    }
    return rows.sort((a, b) => (a.sensor === b.sensor ? a.source.localeCompare(b.source) : a.sensor.localeCompare(b.sensor)));
  }

  /** Sensors the agent forgot (silent for `agent.forget_silent_sensors`) leave the list too. */
  forget(source: string, sensor: string): void {
    this.latest.delete(`${source}\u0000${sensor}`);
  }

  close(): void {
    this.untap();
  }
}
