import type { BufferedResult } from '../driver.js';

/**
 * The JSON a result is published as: flat, so Telegraf's json parser, Home Assistant templates and Node-RED can
 * read it without digging. Times are ms since the epoch; `seq` lets a consumer spot gaps and duplicates.
 */
export function encodeResultPayload({ seq, result }: BufferedResult): string {
  return JSON.stringify({
    rule: result.rule,
    source: result.source,
    sensor: result.sensor,
    tags: result.tags,
    start: result.start,
    end: result.end,
    ...result.values,
    seq,
  });
}
