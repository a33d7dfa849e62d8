import type { Reading } from '../reading.js';
import { compileSensorGlob } from './sensor-glob.js';

/** Which readings a rule takes: by source, by sensor-name glob and by tag values. Empty parts match everything. */
export interface SelectSpec {
  readonly from: readonly string[];
  readonly select: readonly string[];
  /** Tag name → accepted values; `*` accepts any value as long as the tag is present. */
  readonly tags: Readonly<Record<string, readonly string[]>>;
}

/** Compiles a rule's selection once; `matches` runs per reading and allocates nothing. */
export function compileSelector(spec: SelectSpec): (reading: Reading) => boolean {
  const sources = spec.from.length > 0 ? new Set(spec.from) : undefined;
  const globs = spec.select.map(compileSensorGlob);
  const tagTests = Object.entries(spec.tags).map(([name, accepted]) => {
    const any = accepted.includes('*');
    const values = new Set(accepted);
    return (reading: Reading) => {
      const value = reading.tags[name];
      return value !== undefined && (any || values.has(value));
    };
  });
  // Sensor names repeat: remember each name's glob verdict instead of running the regexes every time.
  const sensorVerdicts = new Map<string, boolean>();
  const MAX_REMEMBERED = 10_000;
  const sensorMatches = (sensor: string): boolean => {
    let verdict = sensorVerdicts.get(sensor);
    if (verdict === undefined) {
      verdict = globs.some((matches) => matches(sensor));
      if (sensorVerdicts.size < MAX_REMEMBERED) sensorVerdicts.set(sensor, verdict);
    }
    return verdict;
  };
  // The usual selection, sensor globs alone, without the checks it does not need.
  if (!sources && globs.length > 0 && tagTests.length === 0) return (reading) => sensorMatches(reading.sensor);
  return (reading) => {
    if (sources && !sources.has(reading.source)) return false;
    if (globs.length > 0 && !sensorMatches(reading.sensor)) return false;
    // Indexed loop: no iterator per reading.
    for (let i = 0; i < tagTests.length; i++) if (!tagTests[i]!(reading)) return false;
    return true;
  };
}
