import type { DeviceStatus } from './device-status.js';

/** One device as `fleet status` shows it. */
export interface DeviceRow {
  readonly device: string;
  readonly groups: readonly string[];
  readonly state: 'ok' | 'unhealthy' | 'offline' | 'stale';
  readonly version: number;
  readonly healthy: boolean | undefined;
  readonly problems: readonly string[];
  readonly backlog: number;
  readonly alerts_firing: number;
  /** Seconds since the device's status was sent. */
  readonly last_seen_s: number;
  readonly probation: boolean;
  readonly last_change: DeviceStatus['last_change'];
  readonly agent_version: string;
}

/** How many status intervals of silence make a device stale. */
export const STALE_INTERVALS = 3;

/** A device is offline when its Last Will (or its goodbye) is its status, stale when silent for 3 intervals. */
export function deviceRow(status: DeviceStatus, now: number): DeviceRow {
  const lastSeen = Math.max(0, (now - Date.parse(status.at)) / 1000);
  const stale = lastSeen > STALE_INTERVALS * status.interval_s;
  const state = !status.online ? 'offline' : stale ? 'stale' : status.healthy ? 'ok' : 'unhealthy';
  return {
    device: status.device,
    groups: status.groups,
    state,
    version: status.config_version ?? 0,
    healthy: status.online ? status.healthy : undefined,
    problems: status.online ? (status.problems ?? []) : [status.reason ?? 'offline'],
    backlog: Object.values(status.backlog ?? {}).reduce((sum, pending) => sum + pending, 0),
    alerts_firing: status.alerts_firing?.length ?? 0,
    last_seen_s: Math.round(lastSeen),
    probation: status.probation ?? false,
    last_change: status.last_change,
    agent_version: status.agent_version,
  };
}

/** The table of `fleet status`: one line per device, problems and last change after it. */
export function formatStatusTable(rows: readonly DeviceRow[]): string {
  if (rows.length === 0) return 'no devices have reported on this broker and prefix\n';
  const header = ['DEVICE', 'STATE', 'VERSION', 'BACKLOG', 'ALERTS', 'LAST SEEN', 'GROUPS', 'LAST CHANGE'];
  const lines = rows.map((row) => [
    row.device,
    row.state.toUpperCase() + (row.probation ? ' (probation)' : ''),
    String(row.version),
    String(row.backlog),
    String(row.alerts_firing),
    `${row.last_seen_s}s ago`,
    row.groups.join(',') || '-',
    row.last_change === undefined ? '-' : `v${row.last_change.version ?? '?'} ${row.last_change.outcome}`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const render = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  const out = [render(header), ...lines.map(render)];
  for (const row of rows) {
    for (const problem of row.state === 'ok' ? [] : row.problems) out.push(`  ${row.device}: ${problem}`);
    if (row.last_change?.reason !== undefined && row.last_change.outcome !== 'applied') out.push(`  ${row.device}: v${row.last_change.version ?? '?'} ${row.last_change.outcome}: ${row.last_change.reason}`);
  }
  const stale = rows.filter((row) => row.state === 'stale' || row.state === 'offline').length;
  out.push(`${rows.length} device(s), ${rows.filter((row) => row.state === 'ok').length} ok, ${stale} offline or stale`);
  return `${out.join('\n')}\n`;
}
