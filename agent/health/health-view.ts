import type { RuleCounters } from '../../rules/compiled-rule.js';
import type { LiveAlert } from '../../rules/rule-engine.js';
import type { BadInputLog } from '../bad-input-log.js';
import type { SinkBacklog } from '../buffer/outbox.js';
import type { ForwarderStats } from '../forwarding/forwarder.js';
import type { SourceStatus } from '../sources/supervised-source.js';
import type { PipelineTap } from './pipeline-tap.js';

/** Whether a source or sink is reachable, for health and status. */
export interface ConnectionState {
  readonly connected: boolean;
  readonly reason: string | undefined;
}

/** What health reads of the buffer: its file, whether it is open, what waits in it. */
export interface BufferView {
  readonly file: string;
  readonly isOpen: boolean;
  /** Results made but not yet committed. */
  readonly queuedCount: number;
  /** Results dropped because the buffer was full, since the start. */
  readonly droppedResults: number;
  /** Results each sink has not confirmed. */
  backlog(): readonly SinkBacklog[];
}

/** What the health report reads of the running agent: nothing here can change it. */
export interface HealthView {
  readonly config: { readonly file: string };
  readonly readingsIn: number;
  readonly resultsOut: number;
  readonly buffer: BufferView;
  /** Why the last buffer commit failed, until one succeeds again: the buffer is not writable. */
  readonly bufferFault: string | undefined;
  sourceStatus(): readonly SourceStatus[];
  /** Per-sink delivery counters. */
  forwarderStats(): readonly (Readonly<ForwarderStats> & { readonly sink: string })[];
  /** What a sink last said of its connection; undefined for one that never said (the console). */
  sinkConnection(sink: string): ConnectionState | undefined;
  /** Alerts pending or firing, and acknowledged ones whose condition still holds. */
  liveAlerts(): LiveAlert[];
  /** Each rule's counters, results and rule errors among them. */
  ruleCounters(): readonly RuleCounters[];
}

/** What the Prometheus metrics read of the running agent, besides the health report. */
export interface MetricsView {
  readonly tap: PipelineTap;
  readonly badInput: Pick<BadInputLog, 'counts'>;
  readonly clockSteps: number;
  readonly clockSynchronised: boolean;
  sourceStatus(): readonly SourceStatus[];
}
