import type { Tags } from '../reading.js';
import type { AlertResult } from '../rule-result.js';
import type { LifecycleTransition } from './alert-lifecycle.js';
import type { AlertRuleSpec } from './alert-tracker.js';
import { MessageTemplate } from './message-template.js';

/** A rule's default message for each kind of transition; the rule's own `message` replaces all four. */
export interface DefaultMessages {
  /** Pending and firing. */
  readonly active: string;
  readonly resolved: string;
  readonly acknowledged: string;
  readonly newNormal: string;
}

/** Whom an alert is about: a sensor, or a group of sensors named like one. */
export interface AlertSubject {
  readonly source: string;
  readonly sensor: string;
  readonly tags: Tags;
}

/** What the detector found, as the message and the result show it. */
export interface AlertFinding {
  /** The result's `value` and the message's `{{value}}`. */
  readonly value: number;
  readonly statistic: number;
  readonly threshold: number;
  readonly score: number;
  readonly reason: string;
}

/**
 * Turns a lifecycle transition into the `AlertResult` that goes to the sinks, with its message rendered: one place
 * for what every alert says, whether its tracker watches single sensors or groups of them.
 */
export class AlertResultMaker {
  private readonly active: MessageTemplate;
  private readonly resolved: MessageTemplate;
  private readonly acknowledged: MessageTemplate;
  private readonly newNormal: MessageTemplate;

  constructor(
    private readonly spec: AlertRuleSpec,
    defaults: DefaultMessages,
  ) {
    this.active = new MessageTemplate(spec.message ?? defaults.active);
    this.resolved = new MessageTemplate(spec.message ?? defaults.resolved);
    this.acknowledged = new MessageTemplate(spec.message ?? defaults.acknowledged);
    this.newNormal = new MessageTemplate(spec.message ?? defaults.newNormal);
  }

  make(subject: AlertSubject, transition: LifecycleTransition, now: number, finding: AlertFinding): AlertResult {
    const { spec } = this;
    const message = this.templateFor(transition).render({
      rule: spec.rule,
      source: subject.source,
      sensor: subject.sensor,
      value: finding.value,
      statistic: finding.statistic,
      threshold: finding.threshold,
      score: finding.score,
      reason: finding.reason,
      detector: spec.detector.kind,
      state: transition.state,
      severity: spec.severity,
      since: new Date(transition.since).toISOString(),
      ...prefixed('tags.', subject.tags),
      ...prefixed('labels.', spec.labels ?? {}),
    });
    return {
      kind: 'alert',
      rule: spec.rule,
      source: subject.source,
      sensor: subject.sensor,
      tags: subject.tags,
      timestamp: now,
      state: transition.state,
      previous: transition.previous,
      detector: spec.detector.kind,
      severity: spec.severity,
      value: finding.value,
      message,
      since: transition.since,
      ...(spec.labels ? { labels: spec.labels } : {}),
      ...(transition.resolution === undefined ? {} : { resolution: transition.resolution }),
    };
  }

  private templateFor(transition: LifecycleTransition): MessageTemplate {
    if (transition.state !== 'resolved') return this.active;
    if (transition.resolution === 'acknowledged') return this.acknowledged;
    if (transition.resolution === 'new normal') return this.newNormal;
    return this.resolved;
  }
}

function prefixed(prefix: string, values: Readonly<Record<string, string>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) result[prefix + name] = value;
  return result;
}
