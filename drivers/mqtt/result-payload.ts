import type { BufferedResult } from '../driver.js';

/**
 * The JSON a result is published as: flat, so Telegraf's json parser, Home Assistant templates and Node-RED can
 * read it without digging. Times are ms since the epoch; `seq` lets a consumer spot gaps and duplicates.
 * A window carries its bounds and each aggregate (and `revision` when a late reading updated it); a reading
 * passed on without a window carries its `timestamp` and `value`.
 */
export function encodeResultPayload({ seq, result, id, backfilled }: BufferedResult): string {
  // `id` for de-duplication upstream; `backfilled` only when true, so live results stay as small as before.
  const delivery = { seq, ...(id === undefined ? {} : { id }), ...(backfilled ? { backfilled: true } : {}) };
  if (result.kind === 'alert') {
    const { kind: _kind, ...alert } = result;
    return JSON.stringify({ ...alert, value: Number.isFinite(alert.value) ? alert.value : null, ...delivery });
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
