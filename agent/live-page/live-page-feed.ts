import type { PipelineTap } from '../health/pipeline-tap.js';
import { AlertTransitions, MAX_TRANSITIONS, TRANSITIONS_KEPT_MS } from './alert-transitions.js';
import { LatestReadings } from './latest-readings.js';
import { readAlertTransitions } from './sensor-history.js';

/**
 * What the live page keeps of the pipeline: each sensor's newest reading and the day's alert transitions. Made
 * before the agent starts, so an alert that fires at the first reading, before the server listens, is listed with
 * its message.
 */
export class LivePageFeed {
  readonly latest: LatestReadings;
  readonly transitions: AlertTransitions;
  private readonly untapForgotten: () => void;

  /** `historyFile`: where transitions from before this start are read, when the history keeps results. */
  constructor(tap: PipelineTap, now: () => number = Date.now, historyFile?: string) {
    this.latest = new LatestReadings(tap);
    const earlier = historyFile === undefined ? [] : readEarlierTransitions(historyFile, now() - TRANSITIONS_KEPT_MS);
    this.transitions = new AlertTransitions(tap, now, earlier);
    this.untapForgotten = tap.onAlertForgotten((alert) => this.latest.forget(alert.source, alert.sensor));
  }

  close(): void {
    this.latest.close();
    this.transitions.close();
    this.untapForgotten();
  }
}

/** The history may be unreadable (another version, a damaged disk): the page then starts with what happens from now. */
function readEarlierTransitions(file: string, since: number) {
  try {
    return readAlertTransitions(file, since, MAX_TRANSITIONS);
  } catch {
    return [];
  }
}
