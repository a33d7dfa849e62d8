const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads a recorded timestamp: ISO 8601 (`2014-04-01T00:05:00Z`), `YYYY-MM-DD HH:MM:SS` as in the Numenta Anomaly
 * Benchmark (taken as UTC when no offset is given, so a replay means the same on every machine), or a number of
 * milliseconds (or seconds, told apart by size) since the epoch. Undefined when it is none of these.
 */
export function parseTimestamp(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const number = Number(trimmed);
    return number < 1e11 ? Math.round(number * 1000) : Math.round(number);
  }
  const match = DATE_TIME.exec(trimmed);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = '00', fraction = '', zone] = match;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}${zone ?? 'Z'}`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}
