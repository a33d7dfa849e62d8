/**
 * InfluxDB line protocol, pure: one point becomes one line, whatever its names hold.
 * https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/
 *
 *   measurement,tag=value,tag=value field=1.5,field="text" 1717243200000
 */

/** One point: a measurement, its tags, its fields and its time (already in the write's precision). */
export interface Point {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, number | string>>;
  /** Integer timestamp in the precision of the write, as text so nanoseconds keep every digit. */
  readonly timestamp: string;
}

// A line break in a name would end the line and start a second, attacker-chosen point; other control
// characters are invisible in every tool that shows the data. Both become a space (then escaped).
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * Measurement names escape commas and spaces. Backslashes are doubled, so a name ending in `\` cannot
 * escape the separator that follows it (`a\` + `,tag=…`).
 */
export function escapeMeasurement(name: string): string {
  return name.replace(CONTROL, ' ').replace(/[\\, ]/g, (c) => `\\${c}`);
}

/** Tag keys, tag values and field keys escape commas, equals signs and spaces (and backslashes, as above). */
export function escapeKey(name: string): string {
  return name.replace(CONTROL, ' ').replace(/[\\,= ]/g, (c) => `\\${c}`);
}

/** String field values are quoted; quotes and backslashes are escaped and a line break is written as `\n`. */
export function quoteString(value: string): string {
  const escaped = value
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(CONTROL, ' ');
  return `"${escaped}"`;
}

/** `time` is reserved by InfluxDB: a point with a `time` tag or field key is rejected, so such keys are dropped. */
function usableKey(key: string): boolean {
  return key !== '' && key !== 'time';
}

/**
 * Serialises one point, or returns undefined when it has no field left to write: NaN and ±Infinity
 * cannot be stored and are left out, and a point without fields is invalid. Tags with an empty value
 * are left out (InfluxDB rejects them); tags are sorted by key, as InfluxDB recommends.
 */
export function formatPoint(point: Point): string | undefined {
  let fields = '';
  for (const [key, value] of Object.entries(point.fields)) {
    if (!usableKey(key)) continue;
    let text: string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      // No `i` suffix: every number is a float, so a value that happens to be whole (21) does not turn the
      // field into an integer and clash with the float it was before (InfluxDB rejects a change of field type).
      text = String(value);
    } else {
      text = quoteString(value);
    }
    fields += `${fields === '' ? '' : ','}${escapeKey(key)}=${text}`;
  }
  if (fields === '') return undefined;

  let tags = '';
  for (const key of Object.keys(point.tags).sort()) {
    const value = point.tags[key]!;
    if (!usableKey(key) || value === '') continue;
    tags += `,${escapeKey(key)}=${escapeKey(value)}`;
  }
  if (!/^-?\d+$/.test(point.timestamp)) throw new Error(`line protocol: timestamp must be an integer, got "${point.timestamp}"`);
  return `${escapeMeasurement(point.measurement)}${tags} ${fields} ${point.timestamp}`;
}

/** Serialises points into one write body: one line each, points without fields left out. */
export function formatPoints(points: Iterable<Point>): string[] {
  const lines: string[] = [];
  for (const point of points) {
    const line = formatPoint(point);
    if (line !== undefined) lines.push(line);
  }
  return lines;
}
