import type { AlertTrackerSnapshot } from '../../rules/anomaly/alert-tracker.js';

/**
 * The part of saved alert state a crash must not lose, as one comparable string: which alerts fire, when each last
 * fired, and acknowledgements. Pending episodes starting and ending (a noisy sensor near a threshold does that every
 * few seconds) leave it as it was: losing one to a crash only restarts its `for` countdown, so such changes need not
 * reach the SD card at once.
 */
export function settledAlerts(states: ReadonlyMap<string, unknown>): string {
  const settled: string[] = [];
  for (const [rule, snapshot] of states) {
    const alerts = (snapshot as Partial<AlertTrackerSnapshot> | undefined)?.alerts;
    // A shape this function does not know is compared whole: saved on every change, as before.
    if (!Array.isArray(alerts)) {
      settled.push(`${rule}:${JSON.stringify(snapshot)}`);
      continue;
    }
    for (const { source, sensor, tags, lifecycle } of alerts) {
      // Pending, and resolved without having fired (a pending episode that ended), are alike: quiet. Firing is not,
      // nor when it last fired, nor an acknowledgement.
      const state = lifecycle.state === 'firing' ? 'firing' : 'quiet';
      // Quiet and never fired nor acknowledged: as if not there.
      if (state === 'quiet' && lifecycle.firedAt == null && lifecycle.accepted === undefined && lifecycle.resolution === undefined) continue;
      settled.push(JSON.stringify([rule, source, sensor, tags, state, lifecycle.firedAt ?? null, lifecycle.accepted ?? null, lifecycle.resolution ?? null]));
    }
  }
  return settled.sort().join('\n');
}
