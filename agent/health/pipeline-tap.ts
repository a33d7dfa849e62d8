import type { ForgottenAlert } from '../../rules/anomaly/alert-tracker.js';
import type { Reading } from '../../rules/reading.js';
import type { RuleResult } from '../../rules/rule-result.js';

type Listener<T> = (item: T) => void;

/**
 * Lets observers (metrics, `tributary tail`) see each accepted reading and each rule result as it happens, without
 * the pipeline knowing who listens. With no listener a call costs one size check, so the hot path stays cheap.
 * A listener that throws is dropped rather than allowed to break the pipeline.
 */
export class PipelineTap {
  private readonly readingListeners = new Set<Listener<Reading>>();
  private readonly resultListeners = new Set<Listener<RuleResult>>();
  private readonly forgottenListeners = new Set<Listener<ForgottenAlert>>();

  /** Calls `listener` with every reading the rules accept; returns a function that stops it. */
  onReading(listener: Listener<Reading>): () => void {
    this.readingListeners.add(listener);
    return () => this.readingListeners.delete(listener);
  }

  /** Calls `listener` with every result the rules emit, before it is buffered; returns a function that stops it. */
  onResult(listener: Listener<RuleResult>): () => void {
    this.resultListeners.add(listener);
    return () => this.resultListeners.delete(listener);
  }

  /** Calls `listener` with every sensor whose (resolved) alert a rule forgot after its silence. */
  onAlertForgotten(listener: Listener<ForgottenAlert>): () => void {
    this.forgottenListeners.add(listener);
    return () => this.forgottenListeners.delete(listener);
  }

  reading(reading: Reading): void {
    if (this.readingListeners.size > 0) notify(this.readingListeners, reading);
  }

  result(result: RuleResult): void {
    if (this.resultListeners.size > 0) notify(this.resultListeners, result);
  }

  alertForgotten(alert: ForgottenAlert): void {
    if (this.forgottenListeners.size > 0) notify(this.forgottenListeners, alert);
  }
}

function notify<T>(listeners: Set<Listener<T>>, item: T): void {
  for (const listener of listeners) {
    try {
      listener(item);
    } catch {
      listeners.delete(listener);
    }
  }
}
