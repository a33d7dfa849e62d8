import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A kernel thermal zone the system source reads, and the sensor name its readings carry. */
export interface ThermalZone {
  /** Directory name, e.g. `thermal_zone0`. */
  readonly zone: string;
  /** Contents of its `type` file, e.g. `cpu-thermal`; empty when unreadable. */
  readonly type: string;
  readonly tempFile: string;
  readonly sensor: string;
}

const ZONE_DIR = /^thermal_zone(\d+)$/;
const CPU_LIKE = /cpu|soc|x86_pkg/i;

/**
 * Chooses which zones to read and names them: the zones whose type looks like the CPU (`cpu-thermal` on a Pi,
 * `x86_pkg_temp` on Intel, `soc-thermal` on many ARM boards), or else the first zone. The first chosen zone is
 * `system/cpu_temperature`; any others are `system/thermal/<type>`, or `system/thermal/<zone>` when the type is
 * empty or already taken.
 */
export function selectCpuZones(zones: readonly { zone: string; type: string }[]): { zone: string; sensor: string }[] {
  const cpuLike = zones.filter((zone) => CPU_LIKE.test(zone.type));
  const chosen = cpuLike.length > 0 ? cpuLike : zones.slice(0, 1);
  const taken = new Set<string>();
  return chosen.map((zone, i) => {
    const type = zone.type.toLowerCase().replace(/[^a-z0-9_-]+/g, '_');
    let sensor = i === 0 ? 'system/cpu_temperature' : `system/thermal/${type}`;
    if (i > 0 && (type === '' || taken.has(sensor))) sensor = `system/thermal/${zone.zone}`;
    taken.add(sensor);
    return { zone: zone.zone, sensor };
  });
}

/** Lists `<thermalPath>/thermal_zone*` in numeric order with their types; empty when there are none or no dir. */
export async function findThermalZones(thermalPath: string): Promise<ThermalZone[]> {
  let entries: string[];
  try {
    entries = await readdir(thermalPath);
  } catch {
    return [];
  }
  const zoneDirs = entries
    .map((name) => ({ name, index: Number(ZONE_DIR.exec(name)?.[1] ?? Number.NaN) }))
    .filter((entry) => !Number.isNaN(entry.index))
    .sort((a, b) => a.index - b.index);
  const zones = await Promise.all(
    zoneDirs.map(async ({ name }) => ({
      zone: name,
      type: (await readFile(join(thermalPath, name, 'type'), 'utf8').catch(() => '')).trim(),
    })),
  );
  const typeOf = new Map(zones.map((zone) => [zone.zone, zone.type]));
  return selectCpuZones(zones).map(({ zone, sensor }) => ({
    zone,
    type: typeOf.get(zone) ?? '',
    tempFile: join(thermalPath, zone, 'temp'),
    sensor,
  }));
}
