import type { Gauge } from 'prom-client';
import type { AlertResult, AlertState } from '../../rules/rule-result.js';

/** The gauge value of each state, so a dashboard can colour by it and alert on `== 2`. */
export const ALERT_STATE_VALUE: Readonly<Record<AlertState, number>> = { inactive: 0, resolved: 0, pending: 1, firing: 2 };

export interface AlertLabels {
  readonly rule: string;
  readonly sensor: string;
  readonly severity: string;
}

/**
 * The current state of each alert as the `tributary_alert_state` gauge. Every alert transition that passes through
 * the pipeline is recorded here; an alert engine that keeps state of its own can also call `set` directly. The series
 * of an alert whose sensor the rules forgot (silent for `agent.forget_silent_sensors`, resolved) is removed.
 */
export class AlertStates {
  constructor(private readonly gauge: Gauge<'rule' | 'sensor' | 'severity'>) {}

  set(labels: AlertLabels, state: AlertState): void {
    this.gauge.set({ rule: labels.rule, sensor: labels.sensor, severity: labels.severity }, ALERT_STATE_VALUE[state]);
  }

  record(alert: AlertResult): void {
    this.set(alert, alert.state);
  }

  /** Removes the series of an alert whose sensor was forgotten; it comes back with the sensor's next transition. */
  forget(labels: AlertLabels): void {
    this.gauge.remove({ rule: labels.rule, sensor: labels.sensor, severity: labels.severity });
  }
}
