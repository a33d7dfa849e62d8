/** The configs of the fleet benchmark: every device's own (real agent or simulated), and the one pushed to them. */

export const BENCH_PREFIX = 'tributary/fleet';
export const BENCH_GROUP = 'bench';

export interface BenchDevice {
  readonly device: string;
  readonly brokerUrl: string;
  readonly publicKey: string;
  readonly probationMs: number;
  readonly statusIntervalMs: number;
}

/**
 * A device's own config: the simulator (three sensors at 1 Hz), one window rule, results to the console, and its
 * `fleet:` section in group `bench`. The live page is off: 30 agents would hold 30 ports for nothing.
 */
export function benchDeviceConfig(device: BenchDevice): string {
  return `agent: { log_format: json, watch_config: false, http: { enabled: false } }
sources:
  sim: { driver: simulator, interval: 1s }
rules:
  local_rule: { from: sim, window: { type: tumbling, size: 1m }, aggregates: [count, mean] }
sinks:
  out: { driver: console }
fleet:
  brokers: ["${device.brokerUrl}"]
  device: ${device.device}
  groups: [${BENCH_GROUP}]
  trusted_keys: ["${device.publicKey}"]
  status_interval: ${device.statusIntervalMs}ms
  probation: ${device.probationMs}ms
`;
}

/**
 * The config each rollout pushes: the device's source and sink unchanged and one rule named after the rollout, so
 * an agent applies it by reloading its rules (the common change: rules, not wiring).
 */
export function pushedConfig(rule: string): string {
  return `agent: { log_format: json, watch_config: false, http: { enabled: false } }
sources:
  sim: { driver: simulator, interval: 1s }
rules:
  ${rule}: { from: sim, window: { type: tumbling, size: 1m }, aggregates: [count, mean, min, max] }
sinks:
  out: { driver: console }
`;
}
