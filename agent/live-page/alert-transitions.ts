import type { AlertResult, RuleResult } from '../../rules/rule-result.js';
import type { PipelineTap } from '../health/pipeline-tap.js';

/** How far back the page lists alert transitions. */
export const TRANSITIONS_KEPT_MS = 24 * 60 * 60 * 1000;
/** At most this many, so a flapping alert cannot grow memory: the newest are kept. */
export const MAX_TRANSITIONS = 500;

/**
 * The alert transitions of the last day (pending, firing, resolved, with their messages), newest last, for the live
 * page. Kept in memory from the tap: they are few, and the page must show them even when no history is kept. Those
 * from before a restart come from the history (`earlier`), when it keeps results.
 */
export class AlertTransitions {
  private transitions: AlertResult[] = [];
  private readonly untap: () => void;

  constructor(
    tap: PipelineTap,
    private readonly now: () => number = Date.now,
    earlier: readonly AlertResult[] = [],
  ) {
    this.transitions = earlier.slice(-MAX_TRANSITIONS);
    this.untap = tap.onResult((result: RuleResult) => {
      if (result.kind !== 'alert') return;
      this.transitions.push(result);
      if (this.transitions.length > MAX_TRANSITIONS * 2) this.transitions = this.transitions.slice(-MAX_TRANSITIONS);
    });
  }

  /** The last day's transitions, oldest first. */
  list(): AlertResult[] {
    const since = this.now() - TRANSITIONS_KEPT_MS;
    this.transitions = this.transitions.filter((transition) => transition.timestamp >= since).slice(-MAX_TRANSITIONS);
    return [...this.transitions];
  }

  /** The message of the newest transition of this alert, to show beside a pending or firing alert. */
  messageOf(rule: string, source: string, sensor: string): string | undefined {
    for (let i = this.transitions.length - 1; i >= 0; i--) {
      const transition = this.transitions[i]!;
      if (transition.rule === rule && transition.source === source && transition.sensor === sensor) return transition.message;
    }
    return undefined;
  }

  close(): void {
    this.untap();
  }
}
