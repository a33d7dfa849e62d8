import type { BufferedResult } from '../driver.js';

/**
 * The JSON a result is published as: flat, so Telegraf's json parser, Home Assistant templates and Node-RED can
 * read it without digging. Times are ms since the epoch; `seq` lets a consumer spot gaps and duplicates.
 * A window carries its bounds and each aggregate (and `revision` when a late reading updated it); a reading
 * passed on without a window carries its `timestamp` and `value`; an alert one transition of its lifecycle.
 * The fields of each kind, in this order, are documented in README.md ("Payload"); keep the two in step.
 */
export function encodeResultPayload(item: BufferedResult): string {
  const { result } = item;
  if (result.kind === 'alert') {
    // Fields named one by one, in a fixed order, rather than spread: the engine's object may grow internal fields.
    return withDelivery({
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
    }, item);
  }
  if (result.kind === 'event') {
    // An agent event (an outage of a sink): a Grafana annotation from `timestamp` to `end`.
    const { kind: _kind, ...event } = result;
    return withDelivery({ ...event }, item);
  }
  if (result.kind === 'reading') {
    return withDelivery({
      rule: result.rule,
      source: result.source,
      sensor: result.sensor,
      tags: result.tags,
      timestamp: result.timestamp,
      value: result.value,
    }, item);
  }
  const window: Record<string, unknown> = {
    rule: result.rule,
    source: result.source,
    sensor: result.sensor,
    tags: result.tags,
    start: result.start,
    end: result.end,
    ...result.values,
  };
  if (result.revision !== undefined) window.revision = result.revision;
  if (result.compacted !== undefined) window.compacted = result.compacted;
  return withDelivery(window, item);
}

/**
 * Adds the delivery fields last and serialises. `id` for de-duplication upstream; `backfilled` and `time_quality`
 * only when they say something, so live results from a synchronised clock stay as small as before. Set on the
 * payload object itself rather than spread from objects of their own: the same JSON (a name already present keeps
 * its place and takes the new value, as with a spread) without three more objects per result (issue 24).
 */
function withDelivery(payload: Record<string, unknown>, { seq, id, backfilled, timeQuality }: BufferedResult): string {
  payload.seq = seq;
  if (id !== undefined) payload.id = id;
  if (backfilled) payload.backfilled = true;
  if (timeQuality !== undefined) payload.time_quality = timeQuality;
  return JSON.stringify(payload);
}
