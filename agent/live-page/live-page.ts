import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { LiveAlert } from '../../rules/rule-engine.js';
import type { PipelineTap } from '../health/pipeline-tap.js';
import type { HealthCheck } from '../health/health-report.js';
import { ConfigOnDisk } from './config-on-disk.js';
import { LivePageFeed } from './live-page-feed.js';
import { PageAssets } from './page-assets.js';
import { ProcessUsageMeter } from './process-usage.js';
import { systemClock, type Clock } from '../../drivers/clock.js';
import { readChartHistory, readSensorHistory } from './sensor-history.js';
import { compileSensorGlob } from '../../rules/select/sensor-glob.js';

/** What the live page reads of the running agent: nothing here can change it. */
export interface LivePageView {
  readonly name: string;
  readonly tap: PipelineTap;
  readonly config: { readonly file: string; readonly history: { readonly readings: number; readonly results: number } };
  readonly historyFile: string;
  readonly clockSynchronised: boolean;
  liveAlerts(): LiveAlert[];
}

/** How far back a sensor's chart reaches. */
const CHART_SPAN_MS = 60 * 60 * 1000;
/** Raw readings and results listed for a sensor. */
const NEWEST_ROWS = 50;
/** Points of each small chart in the sensor list. */
const SMALL_CHART_POINTS = 180;

/**
 * The live page at `/`: a static bundle (`dist/page`, built by `npm run build`) and the read-only JSON it asks for —
 * `/api/overview` (health, alerts, config, process), `/api/sensors` (each sensor's newest reading),
 * `/api/history?sensor=<glob>` (every sensor's last hour from the local history, for the small charts),
 * `/api/sensor?source=…&sensor=…` (one sensor's hour, raw readings and results). Live updates come from `/tail`.
 */
export class LivePage {
  private readonly assets = new PageAssets();
  private readonly configOnDisk: ConfigOnDisk;
  private readonly usage: ProcessUsageMeter;
  private readonly now: () => number;

  constructor(
    private readonly view: LivePageView,
    private readonly health: HealthCheck,
    private readonly feed: LivePageFeed = new LivePageFeed(view.tap),
    clock: Clock = systemClock,
  ) {
    this.configOnDisk = new ConfigOnDisk(() => view.config);
    this.usage = new ProcessUsageMeter(clock);
    this.now = clock.now;
  }

  /** Files of the page are public (they hold no data); everything under /api/ needs the server's credentials. */
  static isPublic(pathname: string): boolean {
    return pathname === '/' || pathname.startsWith('/page/');
  }

  /** Answers the request if it is the page's; false when the path is not one of its. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): boolean {
    const { pathname } = url;
    if (pathname === '/') return this.serveAsset(request, response, 'index.html');
    if (pathname.startsWith('/page/')) return this.serveAsset(request, response, pathname.slice('/page/'.length));
    switch (pathname) {
      case '/api/overview':
        sendJson(response, this.overview());
        return true;
      case '/api/sensors':
        sendJson(response, { now: this.now(), sensors: this.feed.latest.list() });
        return true;
      case '/api/history': {
        const to = this.now();
        const kept = this.view.config.history.readings > 0;
        const matches = compileSensorGlob(url.searchParams.get('sensor') || '**');
        sendJson(response, { readings_kept: kept, from: to - CHART_SPAN_MS, to, sensors: kept ? readChartHistory(this.view.historyFile, matches, to - CHART_SPAN_MS, to + 1, SMALL_CHART_POINTS) : [] });
        return true;
      }
      case '/api/sensor': {
        const source = url.searchParams.get('source');
        const sensor = url.searchParams.get('sensor');
        if (!source || !sensor) {
          sendJson(response, { error: 'give source and sensor: /api/sensor?source=…&sensor=…' }, 400);
          return true;
        }
        const to = this.now();
        const { history } = this.view.config;
        sendJson(response, {
          source,
          sensor,
          history_kept: { readings: history.readings > 0, results: history.results > 0 },
          ...readSensorHistory(this.view.historyFile, history.readings > 0, { source, sensor, from: to - CHART_SPAN_MS, to: to + 1, newest: NEWEST_ROWS }),
        });
        return true;
      }
      default:
        return false;
    }
  }

  close(): void {
    this.feed.close();
  }

  private overview() {
    const transitions = this.feed.transitions.list();
    return {
      name: this.view.name,
      now: this.now(),
      health: this.health.report(),
      clock: { synchronised: this.view.clockSynchronised },
      config: this.configOnDisk.status(),
      process: this.usage.read(),
      alerts: this.view.liveAlerts().map((alert) => ({ ...alert, message: this.feed.transitions.messageOf(alert.rule, alert.source, alert.sensor) })),
      transitions,
    };
  }

  /** A file of the page, or a 404 that says how to build it; `If-None-Match` answered with 304. */
  private serveAsset(request: IncomingMessage, response: ServerResponse, name: string): boolean {
    const asset = this.assets.get(name);
    if (asset === undefined) {
      if (name === 'index.html') {
        // Not built (running from a source checkout before `npm run build`): say so rather than a bare 404.
        sendJson(response, { error: 'the live page is not built: run npm run build', endpoints: ['/healthz', '/metrics', '/tail', '/api/overview', '/api/sensors'] }, 404);
      } else sendJson(response, { error: `no such file: /page/${name}` }, 404);
      return true;
    }
    const headers = { 'content-type': asset.type, etag: asset.etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
    if (request.headers['if-none-match'] === asset.etag) {
      response.writeHead(304, headers).end();
      return true;
    }
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzipped : asset.body;
    response.writeHead(200, {
      ...headers,
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      'content-length': body.length,
      // The page runs only its own script and talks only to this server.
      ...(name === 'index.html' ? { 'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:", 'x-frame-options': 'DENY' } : {}),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
    return true;
  }
}

/** Above this size JSON goes gzip-compressed to a browser that accepts it: an hour of 20 sensors' charts is ~130 KB. */
const COMPRESS_ABOVE = 2048;

function sendJson(response: ServerResponse, body: unknown, status = 200): void {
  const text = Buffer.from(JSON.stringify(body));
  const gzip = text.length > COMPRESS_ABOVE && /\bgzip\b/.test(String(response.req.headers['accept-encoding'] ?? ''));
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    vary: 'accept-encoding',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  response.end(gzip ? gzipSync(text) : text);
}
