import type { HealthReport } from '../health/health-report.js';

/** What a device did with a bundle, on its result topic and as its status's `last_change`. */
export interface BundleOutcome {
  readonly version: number | undefined;
  readonly outcome: 'applied' | 'rejected' | 'rolled-back';
  readonly reason?: string;
  /** After a rollback: the version running again (0: the local config file). */
  readonly running?: number;
  readonly at: string;
}

/** The retained status of one device (`<prefix>/status/<device>`); `online: false` after its goodbye or, as the operator sees it, while its Last Will stands. */
export interface DeviceStatus {
  readonly device: string;
  readonly groups: readonly string[];
  readonly online: boolean;
  readonly agent_version: string;
  /** The pushed version running; 0 while the local config file runs. */
  readonly config_version?: number;
  /** The version a rollback would go back to (0: the local config file): what `fleet rollback --group` restores. */
  readonly previous_version?: number;
  readonly healthy?: boolean;
  /** Why not healthy: one sentence per failing part. */
  readonly problems?: readonly string[];
  readonly sources?: Record<string, boolean>;
  /** Results each sink has not confirmed. */
  readonly backlog?: Record<string, number>;
  readonly alerts_firing?: readonly { rule: string; sensor: string; severity: string }[];
  /** Whether the running version is still on probation (it rolls back by itself if the device gets less healthy). */
  readonly probation?: boolean;
  readonly last_change?: BundleOutcome;
  /** Seconds between two statuses at the most; three without one make the device stale. */
  readonly interval_s: number;
  readonly at: string;
  /** Why offline: `connection lost` (its Last Will stands) or `stopped`. */
  readonly reason?: string;
}

/** Builds the status from the agent's health report; `report` undefined while the agent restarts. */
export function deviceStatus(
  base: Pick<DeviceStatus, 'device' | 'groups' | 'agent_version' | 'interval_s'>,
  report: HealthReport | undefined,
  state: { version: number; previous?: number; probation: boolean; lastChange: BundleOutcome | undefined },
  now: number,
): DeviceStatus {
  return {
    ...base,
    online: true,
    config_version: state.version,
    ...(state.previous === undefined ? {} : { previous_version: state.previous }),
    healthy: report?.status === 'ok',
    problems: report?.problems ?? ['the agent is restarting'],
    sources: Object.fromEntries((report?.sources ?? []).map((source) => [source.name, source.up])),
    backlog: Object.fromEntries((report?.sinks ?? []).map((sink) => [sink.name, sink.pending])),
    alerts_firing: (report?.alerts ?? [])
      .filter((alert) => alert.state === 'firing')
      .map(({ rule, sensor, severity }) => ({ rule, sensor, severity })),
    probation: state.probation,
    ...(state.lastChange === undefined ? {} : { last_change: state.lastChange }),
    at: new Date(now).toISOString(),
  };
}

/** The goodbye a device leaves as its status when it stops. */
export function offlineStatus(base: Pick<DeviceStatus, 'device' | 'groups' | 'agent_version' | 'interval_s'>, reason: string, version: number, now: number): DeviceStatus {
  return { ...base, online: false, reason, config_version: version, at: new Date(now).toISOString() };
}

/** The Last Will on `<prefix>/lost/<device>`, which the broker publishes when the device's connection is lost. */
export interface DeviceLost {
  readonly device: string;
  readonly reason: 'connection lost';
}

export function lostMessage(device: string): string {
  return JSON.stringify({ device, reason: 'connection lost' } satisfies DeviceLost);
}

export function isDeviceLost(value: unknown): value is DeviceLost {
  return typeof value === 'object' && value !== null && typeof (value as DeviceLost).device === 'string' && (value as DeviceLost).reason === 'connection lost';
}

/**
 * The status as the operator sees it: while the device's Last Will stands, offline with `connection lost`, and still
 * the version and last change the device reported last.
 */
export function seenStatus(status: DeviceStatus, lost: boolean): DeviceStatus {
  return lost && status.online ? { ...status, online: false, reason: 'connection lost' } : status;
}

/** The message on `<prefix>/result/<device>`: what the device did with a bundle. */
export function bundleResult(device: string, outcome: BundleOutcome): string {
  return JSON.stringify({ device, ...outcome });
}

/** The part of a status whose change is worth a message at once; backlog and time wait for the interval. */
export function changeKey(status: DeviceStatus): string {
  const { backlog: _backlog, at: _at, ...rest } = status;
  return JSON.stringify(rest);
}

/** Whether a message is a device status (from `fleet status`' point of view, which reads what others sent). */
export function isDeviceStatus(value: unknown): value is DeviceStatus {
  return typeof value === 'object' && value !== null && typeof (value as DeviceStatus).device === 'string' && typeof (value as DeviceStatus).online === 'boolean';
}
