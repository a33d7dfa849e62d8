import { systemClock, type Clock } from '../../drivers/clock.js';
import type { DriverContext } from '../../drivers/driver.js';

/**
 * A DriverContext that records what a driver reports (log lines, bad input, connection state), with a fixed
 * wall clock, so driver tests can assert on it. Timers run on `clock` (a ManualClock to move time by hand).
 */
export function recordingContext(name: string, now: () => number, clock: Clock = systemClock) {
  const logs: { level: string; context: object; message: string }[] = [];
  const badInputs: { kind: string; message: string; context: Record<string, unknown> | undefined }[] = [];
  const connections: { connected: boolean; reason: string | undefined }[] = [];
  const log = (level: string) => (context: object, message: string) => void logs.push({ level, context, message });
  const context: DriverContext = {
    name,
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    now,
    clock,
    badInput: (kind, message, extra) => void badInputs.push({ kind, message, context: extra }),
    setConnected: (connected, reason) => void connections.push({ connected, reason }),
  };
  return {
    context,
    logs,
    badInputs,
    connections,
    kinds: () => badInputs.map((bad) => bad.kind),
    isConnected: () => connections.at(-1)?.connected,
  };
}
