import type { BufferedResult } from '../driver.js';

/**
 * The JSON a result is published as: flat, so Telegraf's json parser, Home Assistant templates and Node-RED can
 * read it without digging. Times are ms since the epoch; `seq` lets a consumer spot gaps and duplicates.
 * A window carries its bounds and each aggregate (and `revision` when a late reading updated it); a reading
 * passed on without a window carries its `timestamp` and `value`.
 */
export function encodeResultPayload({ seq, result }: BufferedResult): string {
  if (result.kind === 'alert') {
    const { kind: _kind, ...alert } = result;
    return JSON.stringify({ ...alert, value: Number.isFinite(alert.value) ? alert.value : null, seq });
  }
  if (result.kind === 'reading') {
    return JSON.stringify({
      rule: result.rule,
      source: result.source,
      sensor: result.sensor,
      tags: result.tags,
      timestamp: result.timestamp,
      value: result.value,
      seq,
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
    seq,
  });
}
