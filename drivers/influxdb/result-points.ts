import type { RuleResult } from '../../rules/rule-result.js';
import type { BufferedResult } from '../driver.js';
import type { Point } from './line-protocol.js';

/** Where agent events (outages) are written, for Grafana annotations. */
export const EVENTS_MEASUREMENT = 'tributary_events';

/** Timestamp precision of a write; the unit of the integer at the end of each line. */
export type Precision = 'ns' | 'us' | 'ms' | 's';

type Part = string | ((result: RuleResult) => string);

/**
 * Compiles a measurement template such as `{rule}` or `sensors_{tags.site}` once. Throws on an unknown
 * placeholder, so a typo fails at validation instead of writing to a measurement named `{rle}`.
 */
export function compileMeasurementTemplate(template: string): (result: RuleResult) => string {
  const parts: Part[] = template.split(/(\{[^}]+\})/).filter(Boolean).map((piece): Part => {
    if (!piece.startsWith('{')) return piece;
    const name = piece.slice(1, -1);
    if (name === 'rule') return (r) => r.rule;
    if (name === 'source') return (r) => r.source;
    if (name === 'sensor') return (r) => r.sensor;
    if (name.startsWith('tags.')) {
      const tag = name.slice(5);
      return (r) => (Object.hasOwn(r.tags, tag) ? r.tags[tag]! : '');
    }
    throw new Error(`measurement template "${template}": unknown placeholder ${piece}; use {rule}, {source}, {sensor} or {tags.<name>}`);
  });
  return (result) => {
    let name = '';
    for (const part of parts) name += typeof part === 'string' ? part : part(result);
    // An empty measurement is invalid and would block the sink on this result forever.
    return name === '' ? result.rule : name;
  };
}

/**
 * The measurement of each result: the template for windows and readings; alert transitions of every rule go to one
 * measurement of their own, so a single Grafana annotation query finds them all.
 */
export function compileMeasurementNamer(template: string, alertsMeasurement: string): (result: RuleResult) => string {
  const templated = compileMeasurementTemplate(template);
  return (result) => (result.kind === 'alert' ? alertsMeasurement : templated(result));
}

/** Converts ms since the epoch to the integer the write's precision expects. */
export function timestampIn(ms: number, precision: Precision): string {
  const whole = Math.trunc(ms);
  switch (precision) {
    case 'ms':
      return String(whole);
    case 's':
      return String(Math.floor(whole / 1000));
    case 'us':
      return (BigInt(whole) * 1000n).toString();
    case 'ns':
      return (BigInt(whole) * 1_000_000n).toString();
  }
}

/**
 * One point per result. Tags are the result's tags plus `sensor`, `source` and `rule` (these three win over a
 * result tag of the same name, since they identify the series). A window is stamped with its start and carries
 * every aggregate as a float field; a reading is stamped with its timestamp and carries the field `value`.
 * Same series and time means same point, so a result sent again (at-least-once delivery) or a later revision
 * of a window overwrites the earlier one instead of adding a second point.
 */
export function resultToPoint(item: BufferedResult, measurementFor: (result: RuleResult) => string, precision: Precision): Point {
  const point = pointOf(item.result, measurementFor, precision);
  // Times from a clock that was not synchronised say so in a field (not a tag: the series stays the same).
  return item.timeQuality === undefined ? point : { ...point, fields: { ...point.fields, time_quality: item.timeQuality } };
}

function pointOf(result: RuleResult, measurementFor: (result: RuleResult) => string, precision: Precision): Point {
  if (result.kind === 'event') {
    // Agent events go to one fixed measurement whatever the template, so one Grafana annotation query finds them:
    //   SELECT "message", "end" FROM "tributary_events" WHERE $timeFilter
    const eventTags = { ...result.tags, event: result.event, agent: result.source, sink: result.sensor };
    const fields = { message: result.message, end: result.end, duration_ms: result.end - result.timestamp, held: result.held };
    return { measurement: EVENTS_MEASUREMENT, tags: eventTags, fields, timestamp: timestampIn(result.timestamp, precision) };
  }
  const tags = { ...result.tags, sensor: result.sensor, source: result.source, rule: result.rule };
  const measurement = measurementFor(result);
  if (result.kind === 'alert') {
    // One point per transition, usable as a Grafana annotation: text in `message`, state as a field so a
    // query can pick firing/resolved without a new series per state.
    const alertTags = { ...tags, detector: result.detector, severity: result.severity };
    const fields: Record<string, number | string> = { state: result.state, message: result.message, since: result.since };
    if (Number.isFinite(result.value)) fields['value'] = result.value;
    if (result.resolution !== undefined) fields['resolution'] = result.resolution;
    return { measurement, tags: alertTags, fields, timestamp: timestampIn(result.timestamp, precision) };
  }
  if (result.kind === 'reading') {
    return { measurement, tags, fields: { value: result.value }, timestamp: timestampIn(result.timestamp, precision) };
  }
  // A window merged by a full buffer says how many windows it stands for.
  const fields = result.compacted === undefined ? result.values : { ...result.values, compacted: result.compacted };
  return { measurement, tags, fields, timestamp: timestampIn(result.start, precision) };
}
