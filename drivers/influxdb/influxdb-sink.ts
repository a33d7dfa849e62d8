import { HttpError, InfluxDB } from '@influxdata/influxdb-client';
import type { DriverContext, SinkBatch, SinkDriver } from '../driver.js';
import { parseRetryAfter, PermanentSinkError, RetryLaterError } from '../sink-errors.js';
import type { InfluxdbSinkOptions, InfluxdbV1Options, InfluxdbV2Options } from './influxdb-options.js';
import { formatPoints } from './line-protocol.js';
import { ReachabilityProbe } from './reachability-probe.js';
import { compileMeasurementNamer, resultToPoint, type Precision } from './result-points.js';

/**
 * Writes each batch as line protocol in one HTTP request; a batch counts as sent only when the server answered
 * 2xx for all of it. There is no buffer here: a failed write rejects and the batch stays in the agent's outbox.
 * A rejection of the data itself (400, 413, 422) is a PermanentSinkError, so the forwarder splits the batch and
 * quarantines the culprits instead of retrying them forever; 429/503 with `Retry-After` is a RetryLaterError.
 */
export function createInfluxdbSink(options: InfluxdbSinkOptions, context: DriverContext): SinkDriver {
  const measurementFor = compileMeasurementNamer(options.measurement, options.alerts_measurement);
  const precision: Precision = options.api === 'v2' ? options.precision : 'ms';
  const write = options.api === 'v1' ? v1Writer(options, context.now) : v2Writer(options, context.now);
  // The server answering again is the agent's cue to send the backlog now rather than after its backoff.
  const probe = new ReachabilityProbe(context.clock, options.url, () => context.setConnected(true));

  return {
    async start() {
      // Nothing to connect: every send is one HTTP request.
    },
    async send(batch: SinkBatch) {
      const lines = formatPoints(batch.map((item) => resultToPoint(item, measurementFor, precision)));
      if (lines.length === 0) return; // only NaN/Infinity values: nothing InfluxDB could store
      try {
        await write(lines);
      } catch (error) {
        // The server answered, so it is reachable: only a failure to get an answer marks it down.
        if (error instanceof PermanentSinkError) {
          context.setConnected(true);
        } else {
          context.setConnected(false, (error as Error).message);
          // Only when no answer came: a server that answers 5xx or asks to retry later is waited for as it says.
          if (error instanceof NoAnswerError) probe.start();
        }
        throw error;
      }
      probe.stop();
      context.setConnected(true);
    },
    async stop() {
      probe.stop();
    },
  };
}

type Writer = (lines: string[]) => Promise<void>;

/** InfluxDB 1.x: POST /write?db=…&rp=…&precision=ms, 204 when every point was stored. */
function v1Writer(options: InfluxdbV1Options, now: () => number): Writer {
  const query = new URLSearchParams({ db: options.database, precision: 'ms' });
  if (options.retention_policy !== undefined) query.set('rp', options.retention_policy);
  const endpoint = `${options.url}/write?${query}`;
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (options.username !== undefined) {
    headers['authorization'] = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
  }
  const where = `InfluxDB ${options.url} database ${options.database}`;

  return async (lines) => {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: lines.join('\n'),
        signal: AbortSignal.timeout(options.timeout),
      });
    } catch (error) {
      throw new NoAnswerError(`${where}: write failed: ${describeFetchError(error, options.timeout)}`, { cause: error });
    }
    if (response.status === 204 || response.status === 200) {
      await response.body?.cancel();
      return;
    }
    const body = (await response.text().catch(() => '')).trim();
    throw classify(response.status, `${where}: ${explainStatus(response.status)}: ${serverMessage(body)}`, response.headers.get('retry-after'), now());
  };
}

/** InfluxDB 2.x/3.x and compatible servers: the client's WriteApi, one per send, without its own retries. */
function v2Writer(options: InfluxdbV2Options, now: () => number): Writer {
  const influx = new InfluxDB({ url: options.url, token: options.token, timeout: options.timeout });
  const where = `InfluxDB ${options.url} bucket ${options.bucket}`;

  return async (lines) => {
    // A fresh WriteApi per batch, flushed by close(): maxRetries 0 and no flush timer, so the client keeps no
    // retry buffer of its own and our outbox stays the only place a result waits. batchSize above the batch
    // keeps writeRecords from sending part of it on its own, where a failure would not reach us.
    const api = influx.getWriteApi(options.org, options.bucket, options.precision, {
      maxRetries: 0,
      flushInterval: 0,
      batchSize: lines.length + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      gzipThreshold: options.gzip ? 0 : undefined,
      // Returning a rejection hands the error straight to close(), without the client's console logging:
      // the forwarder logs the rejection once, with the sink's name.
      writeFailed: (error) => Promise.reject(error),
    });
    api.writeRecords(lines);
    try {
      await api.close();
    } catch (error) {
      if (error instanceof HttpError) {
        const header = error.headers?.['retry-after'];
        const message = `${where}: ${explainStatus(error.statusCode)}: ${serverMessage(error.body ?? error.message)}`;
        throw classify(error.statusCode, message, Array.isArray(header) ? header[0] : header, now(), error);
      }
      throw new NoAnswerError(`${where}: write failed: ${describeFetchError(error, options.timeout)}`, { cause: error });
    }
  };
}

/** A write that got no answer at all (refused, timed out, host unknown), as opposed to an HTTP error status. */
class NoAnswerError extends Error {}

/** Statuses that reject the data itself: sending the same points again cannot succeed. */
const PERMANENT_STATUSES = new Set([400, 413, 422]);

/**
 * The error for a non-2xx answer (`now`, the agent's wall clock, for a Retry-After given as a date). 401/403/404 stay retryable: a token or a database can be fixed while results
 * wait, and quarantining everything meanwhile would lose far more than it saves.
 */
function classify(status: number, message: string, retryAfter: string | null | undefined, now: number, cause?: unknown): Error {
  if (PERMANENT_STATUSES.has(status)) return new PermanentSinkError(message, { cause });
  if (status === 429 || status === 503) {
    const waitMs = parseRetryAfter(retryAfter, now);
    if (waitMs !== undefined) return new RetryLaterError(`${message} (server asks to retry after ${Math.round(waitMs / 1000)} s)`, waitMs, { cause });
  }
  return new Error(message, { cause });
}

/** A sentence for a status: a 4xx is the data or the credentials, a 5xx the server. */
function explainStatus(status: number): string {
  if (status === 401 || status === 403) return `HTTP ${status}, not authorised: check the token or username/password`;
  if (status === 404) return `HTTP ${status}, not found: check that the database or bucket exists`;
  if (status === 413) return `HTTP ${status}, batch too large for the server`;
  if (status === 429) return `HTTP ${status}, too many requests`;
  if (PERMANENT_STATUSES.has(status)) return `HTTP ${status}, the server rejected the data`;
  if (status >= 400 && status < 500) return `HTTP ${status}, the server rejected the request (it will be retried)`;
  return `HTTP ${status}, server error`;
}

/** The server's own words: InfluxDB answers `{"error":"…"}` (1.x) or `{"code":…,"message":"…"}` (2.x). */
function serverMessage(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof json.error === 'string') return json.error;
    if (typeof json.message === 'string') return json.message;
  } catch {
    // not JSON: plain text, as from VictoriaMetrics or a proxy
  }
  return body === '' ? '(empty response)' : body.slice(0, 500);
}

function describeFetchError(error: unknown, timeout: number): string {
  const err = error as Error & { cause?: { code?: string; message?: string }; code?: string };
  if (err.name === 'TimeoutError' || err.name === 'RequestTimedOutError') return `no answer within ${timeout} ms`;
  const code = err.cause?.code ?? err.code;
  if (code === 'ECONNREFUSED') return 'connection refused: is the server running and the url right?';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found: check the url';
  return err.cause?.message ?? err.message;
}
