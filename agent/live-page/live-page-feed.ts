import type { PipelineTap } from '../health/pipeline-tap.js';
import { AlertTransitions } from './alert-transitions.js';
import { LatestReadings } from './latest-readings.js';

/**
 * What the live page keeps of the pipeline: each sensor's newest reading and the day's alert transitions. Made
 * before the agent starts, so an alert that fires at the first reading, before the server listens, is listed with
 * its message.
 */
export class LivePageFeed {
  readonly latest: LatestReadings;
  readonly transitions: AlertTransitions;
  private readonly untapForgotten: () => void;

  constructor(tap: PipelineTap, now: () => number = Date.now) {
    this.latest = new LatestReadings(tap);
    this.transitions = new AlertTransitions(tap, now);
    this.untapForgotten = tap.onAlertForgotten((alert) => this.latest.forget(alert.source, alert.sensor));
  }

  close(): void {
    this.latest.close();
    this.transitions.close();
    this.untapForgotten();
  }
}
