import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from './device-status.js';
import { deviceRow, formatStatusTable } from './status-table.js';

const at = Date.parse('2026-12-07T01:00:00Z');
const status = (device: string, extra: Partial<DeviceStatus> = {}): DeviceStatus => ({
  device,
  groups: ['g'],
  online: true,
  agent_version: '0.1.0',
  config_version: 5,
  healthy: true,
  problems: [],
  backlog: { a: 2, b: 3 },
  alerts_firing: [],
  interval_s: 30,
  at: new Date(at).toISOString(),
  ...extra,
});

describe('the fleet status table', () => {
  it('marks a device offline by its Last Will, stale after three silent intervals, unhealthy with its problems', () => {
    const rows = [
      deviceRow(status('a'), at + 10_000),
      deviceRow(status('b'), at + 91_000),
      deviceRow(status('c', { online: false, reason: 'connection lost' }), at),
      deviceRow(status('d', { healthy: false, problems: ['source feed: refused'] }), at),
    ];
    expect(rows.map((row) => [row.device, row.state, row.backlog])).toEqual([['a', 'ok', 5], ['b', 'stale', 5], ['c', 'offline', 5], ['d', 'unhealthy', 5]]);
    const table = formatStatusTable(rows);
    expect(table.split('\n')[0]).toMatch(/^DEVICE +STATE +VERSION +BACKLOG +ALERTS +LAST SEEN +GROUPS +LAST CHANGE$/);
    expect(table).toContain('  c: connection lost\n');
    expect(table).toContain('  d: source feed: refused\n');
    expect(table).toMatch(/4 device\(s\), 1 ok, 2 offline or stale\n$/);
  });
});
