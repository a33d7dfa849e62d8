import type { BufferedResult } from '../driver.js';

/**
 * The JSON a result is published as: flat, so Telegraf's json parser, Home Assistant templates and Node-RED can
 * read it without digging. Times are ms since the epoch; `seq` lets a consumer spot gaps and duplicates.
 * A window carries its bounds and each aggregate (and `revision` when a late reading updated it); a reading
 * passed on without a window carries its `timestamp` and `value`; an alert one transition of its lifecycle.
 * The fields of each kind, in this order, are documented in README.md ("Payload"); keep the two in step.
 */
export function encodeResultPayload({ seq, result, id, backfilled, timeQuality }: BufferedResult): string {
  // `id` for de-duplication upstream; `backfilled` and `time_quality` only when they say something, so live results
  // from a synchronised clock stay as small as before.
  const delivery = {
    seq,
    ...(id === undefined ? {} : { id }),
    ...(backfilled ? { backfilled: true } : {}),
    ...(timeQuality === undefined ? {} : { time_quality: timeQuality }),
  };
  if (result.kind === 'alert') {
    // Fields named one by one, in a fixed order, rather than spread: the engine's object may grow internal fields.
    return JSON.stringify({
      rule: result.rule,
      source: result.source,
      sensor: result.sensor,
      tags: result.tags,
      timestamp: result.timestamp,
      state: result.state,
      previous: result.previous,
      severity: result.severity,
      detector: result.detector,
      // NaN (missing data) is not JSON; null says "no value".
      value: Number.isFinite(result.value) ? result.value : null,
      message: result.message,
      since: result.since,
      ...(result.labels === undefined ? {} : { labels: result.labels }),
      // Only on a resolve the condition did not bring: acknowledged, or a new normal learnt.
      ...(result.resolution === undefined ? {} : { resolution: result.resolution }),
      ...delivery,
    });
  }
  if (result.kind === 'event') {
    // An agent event (an outage of a sink): a Grafana annotation from `timestamp` to `end`.
    const { kind: _kind, ...event } = result;
    return JSON.stringify({ ...event, ...delivery });
  }
  if (result.kind === 'reading') {
    return JSON.stringify({
      rule: result.rule,
      source: result.source,
      sensor: result.sensor,
      tags: result.tags,
      timestamp: result.timestamp,
      value: result.value,
      ...delivery,
    });
  }
  return JSON.stringify({
    rule: result.rule,
    source: result.source,
    sensor: result.sensor,
    tags: result.tags,
    start: result.start,
    end: result.end,
    ...result.values,
    ...(result.revision === undefined ? {} : { revision: result.revision }),
    ...(result.compacted === undefined ? {} : { compacted: result.compacted }),
    ...delivery,
  });
}
