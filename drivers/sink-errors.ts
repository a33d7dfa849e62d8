/**
 * How a sink says why a send failed, so the forwarder knows what to do with the batch. Any other error is taken
 * as passing (a broker down, a timeout, a 5xx) and the batch is offered again after a backoff.
 */

/**
 * The far side refused the data itself and will refuse it again however often it is sent: InfluxDB's 400 (bad
 * line, field type conflict), 413 for a single point, 422 (points outside the retention policy). The forwarder
 * splits a rejected batch until it has found the results at fault, moves those to the buffer's quarantine with
 * this message, and delivers the rest.
 */
export class PermanentSinkError extends Error {
  override readonly name = 'PermanentSinkError';
}

/**
 * The far side asked us to wait (HTTP 429 or 503 with `Retry-After`): the batch is offered again no sooner than
 * `retryAfterMs` from now, even when the forwarder's own backoff would be shorter.
 */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';

  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * An HTTP `Retry-After` value in ms: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when the
 * header is absent or unreadable; never negative.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
