import type { IncomingMessage, ServerResponse } from 'node:http';
import { compileSensorGlob } from '../../rules/select/sensor-glob.js';
import { type Clock, systemClock } from '../../drivers/clock.js';
import type { PipelineTap } from './pipeline-tap.js';

/** Followers at once: each costs a little on every reading, and the endpoint has no authentication. */
export const MAX_FOLLOWERS = 8;
/** A follower that reads slower than the agent writes is cut off once this much waits for it. */
const MAX_UNSENT_BYTES = 1024 * 1024;
/** A comment line now and then, so proxies keep the stream open and a vanished follower is noticed. */
const KEEPALIVE_MS = 15_000;

/**
 * `GET /tail?sensor=<glob>`: readings and results as they happen, as server-sent events (`event: reading` or
 * `event: result`, `data:` one JSON object). Readable with curl, a browser's EventSource, or `tributary tail`.
 */
export class LiveTail {
  private readonly followers = new Set<ServerResponse>();

  constructor(
    private readonly tap: PipelineTap,
    private readonly clock: Clock = systemClock,
  ) {}

  get followerCount(): number {
    return this.followers.size;
  }

  handle(request: IncomingMessage, response: ServerResponse, query: URLSearchParams): void {
    if (this.followers.size >= MAX_FOLLOWERS) {
      response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `at most ${MAX_FOLLOWERS} followers at once` }));
      return;
    }
    const matches = compileSensorGlob(query.get('sensor') ?? '**');
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write(': following readings and results\n\n');
    this.followers.add(response);

    const send = (event: 'reading' | 'result', item: { sensor: string }) => {
      if (!matches(item.sensor)) return;
      if (response.writableLength > MAX_UNSENT_BYTES) {
        response.end(': too slow; closing\n\n');
        return;
      }
      response.write(`event: ${event}\ndata: ${JSON.stringify(item)}\n\n`);
    };
    const untapReadings = this.tap.onReading((reading) => send('reading', reading));
    const untapResults = this.tap.onResult((result) => send('result', result));
    const keepalive = this.clock.unref(this.clock.setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS));
    const stop = () => {
      untapReadings();
      untapResults();
      this.clock.clearTimer(keepalive);
      this.followers.delete(response);
    };
    response.on('close', stop);
    request.on('error', stop);
  }

  /** Ends every stream, so the server can close. */
  closeAll(): void {
    for (const response of this.followers) response.end();
  }
}
