/**
 * Pure parsers for the few /proc files the system source reads. Each returns the values it could read and a
 * sentence for every value it could not, so one garbled field never hides the others.
 */

export interface MetricValue {
  readonly sensor: string;
  readonly value: number;
}

export interface ParseOutcome {
  readonly values: MetricValue[];
  readonly problems: string[];
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A decimal number, or undefined for anything else (`Number('')` would be 0, `Number('0x1f')` 31). */
export function parseNumber(text: string | undefined): number | undefined {
  if (text === undefined || !NUMBER.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

const LOAD_SENSORS = ['system/load1', 'system/load5', 'system/load15'] as const;

/** `/proc/loadavg`: `0.59 0.50 0.27 1/138 6790`, the first three fields being the 1, 5 and 15 minute averages. */
export function parseLoadavg(content: string): ParseOutcome {
  const fields = content.trim().split(/\s+/);
  const outcome: ParseOutcome = { values: [], problems: [] };
  LOAD_SENSORS.forEach((sensor, i) => {
    const value = parseNumber(fields[i]);
    if (value === undefined || value < 0) {
      outcome.problems.push(`loadavg field ${i + 1} is not a load: "${fields[i] ?? ''}"`);
    } else {
      outcome.values.push({ sensor, value });
    }
  });
  return outcome;
}

/** One `Key:   123 kB` line of /proc/meminfo in bytes; undefined and a problem if absent or not a number. */
function meminfoBytes(content: string, key: string, problems: string[]): number | undefined {
  const line = content.split('\n').find((candidate) => candidate.startsWith(`${key}:`));
  if (line === undefined) {
    problems.push(`meminfo has no ${key} line`);
    return undefined;
  }
  const [amount, unit] = line.slice(key.length + 1).trim().split(/\s+/);
  const value = parseNumber(amount);
  const scale = unit === undefined ? 1 : unit === 'kB' ? 1024 : undefined;
  if (value === undefined || value < 0 || scale === undefined) {
    problems.push(`meminfo ${key} is not an amount of memory: "${line.trim()}"`);
    return undefined;
  }
  return value * scale;
}

/** `/proc/meminfo`: available bytes, and the share of MemTotal not available (what `free` calls used). */
export function parseMeminfo(content: string): ParseOutcome {
  const outcome: ParseOutcome = { values: [], problems: [] };
  const total = meminfoBytes(content, 'MemTotal', outcome.problems);
  const available = meminfoBytes(content, 'MemAvailable', outcome.problems);
  if (available !== undefined) outcome.values.push({ sensor: 'system/memory_available_bytes', value: available });
  if (total !== undefined && available !== undefined) {
    if (total <= 0 || available > total) {
      outcome.problems.push(`meminfo MemAvailable (${available} B) does not fit in MemTotal (${total} B)`);
    } else {
      outcome.values.push({ sensor: 'system/memory_used_percent', value: ((total - available) / total) * 100 });
    }
  }
  return outcome;
}

/** `/proc/uptime`: `458.41 708.62`, seconds since boot then idle seconds summed over CPUs. */
export function parseUptime(content: string): ParseOutcome {
  const first = content.trim().split(/\s+/)[0];
  const value = parseNumber(first);
  if (value === undefined || value < 0) {
    return { values: [], problems: [`uptime is not a number of seconds: "${first ?? ''}"`] };
  }
  return { values: [{ sensor: 'system/uptime_seconds', value }], problems: [] };
}

/** A `thermal_zone<N>/temp` file: millidegrees Celsius, e.g. `48312`. */
export function parseMillidegrees(content: string, sensor: string): ParseOutcome {
  const text = content.trim();
  const value = parseNumber(text);
  // Below absolute zero means a broken sensor; some report -274000 when disabled.
  if (value === undefined || value < -273_150) {
    return { values: [], problems: [`temperature is not millidegrees Celsius: "${text}"`] };
  }
  return { values: [{ sensor, value: value / 1000 }], problems: [] };
}
