import type { BufferedResult, ClockStamp } from '../../drivers/driver.js';
import type { TimeGate } from '../forwarding/forwarder.js';
import type { AgentClock } from './agent-clock.js';
import { redateResult } from './redate-result.js';

/**
 * The forwarders' TimeGate on the agent's clock: results stamped while the clock was not synchronised wait for it,
 * up to `holdMs`, then go as they are. The hold is measured on the monotonic clock, because the wall clock is the one
 * not trusted: NTP's step of three days forward would make every held result look expired in the moments before the
 * next synchronisation check, and a step back would make them wait days longer.
 */
export class UnsynchronisedHold implements TimeGate {
  /** When this run began, on the monotonic clock: where holds that cannot be measured from their buffering start. */
  private readonly runStart: number;

  constructor(
    private readonly clock: AgentClock,
    private readonly monotonic: () => number,
    readonly holdMs: number,
  ) {
    this.runStart = monotonic();
  }

  synchronised(): boolean {
    return this.clock.isSynchronised;
  }

  heldFor(item: BufferedResult): number {
    return Math.max(0, this.monotonic() - this.heldSince(item.clock));
  }

  redate(item: BufferedResult): BufferedResult {
    return redateResult(item, this.clock);
  }

  /**
   * When the hold of a result stamped `stamp` began: when it was buffered, if that was in this boot. A result of an
   * earlier boot (the monotonic clock began again at the reboot) or one whose stamp lacks the time counts from this
   * run's start: it was in the buffer then, and one of an earlier boot cannot be re-dated, so it goes as soon as the
   * clock synchronises anyway.
   */
  private heldSince(stamp: ClockStamp | undefined): number {
    if (stamp?.monotonic === undefined || stamp.boot !== this.clock.current.bootId) return this.runStart;
    return stamp.monotonic;
  }
}
