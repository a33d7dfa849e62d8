import type { OpenedBundle } from './config-bundle.js';
import type { DeviceStatus } from './device-status.js';

/**
 * What `fleet rollback --group` publishes: the config of the version before the current one, pushed again under a new
 * version (`restore`), so every device, also one that joins later, ends on it; or, when the group ran no pushed config
 * before (or no copy of it is left), the order to step back (`step-back`), which each device carries out with the
 * versions it keeps.
 */
export type GroupRollback =
  | { kind: 'restore'; current: number; restores: OpenedBundle }
  | { kind: 'step-back'; current: number; why: string }
  | { kind: 'nothing'; current: number; why: string };

/**
 * Chooses the version to go back to: the one the group's devices running the current version would step back to
 * (their `previous_version`; the most of them decide), else, with none of them reporting, the copy before the current
 * one. A version the devices rolled back by themselves is in neither.
 */
export function planGroupRollback(current: OpenedBundle, copies: readonly OpenedBundle[], members: readonly DeviceStatus[]): GroupRollback {
  // Restoring the copy before a step-back order would push again the very version that order undid.
  if (current.action === 'rollback') return { kind: 'nothing', current: current.version, why: `the group's bundle is already the order to step back (version ${current.version}); push the config it should run` };
  const votes = new Map<number, number>();
  for (const status of members) {
    if (status.config_version === current.version && status.previous_version !== undefined) votes.set(status.previous_version, (votes.get(status.previous_version) ?? 0) + 1);
  }
  const older = copies.filter((copy) => copy.version < current.version);
  const back = votes.size > 0 ? [...votes].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]![0] : (older.at(-1)?.version ?? 0);
  if (back === 0) return { kind: 'step-back', current: current.version, why: `the group ran the devices' local config files before version ${current.version}` };
  const copy = older.find((candidate) => candidate.version === back);
  if (copy === undefined) return { kind: 'step-back', current: current.version, why: `no copy of version ${back} signed by this key is on the broker (pushed by an older tributary, or more than the kept copies ago)` };
  return { kind: 'restore', current: current.version, restores: copy };
}
