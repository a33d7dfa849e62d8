import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { AgentMetrics } from './agent-metrics.js';
import { type AlertAcknowledger, parseAcknowledgement } from '../alerts/alert-acknowledgement.js';
import type { HealthCheck } from './health-report.js';
import type { LiveTail } from './live-tail.js';
import { HttpAccess } from './http-access.js';
import { LivePage } from '../live-page/live-page.js';

export interface HealthServerExtras {
  /** Who may read data and acknowledge alerts; open (loopback only) when the config has no credentials. */
  readonly access?: HttpAccess;
  /** The live page at `/`, when it is served. */
  readonly page?: LivePage;
}

/**
 * The agent's small HTTP server: the live page (`GET /` from a browser, its files and `/api/…`), `GET /healthz`
 * (200 or 503 with the report as JSON), `GET /metrics` (Prometheus text), `GET /tail` (live readings and results),
 * and one thing that changes state: `POST /alerts/ack`, a person acknowledging a firing alert. It listens on loopback
 * unless configured otherwise, and then asks every request for data for the configured token or password.
 */
export class HealthServer {
  private server: Server | undefined;
  private readonly access: HttpAccess;
  private readonly page: LivePage | undefined;

  constructor(
    private readonly health: HealthCheck,
    private readonly metrics: AgentMetrics,
    private readonly tail: LiveTail,
    private readonly log: Logger,
    private readonly alerts?: AlertAcknowledger,
    extras: HealthServerExtras = {},
  ) {
    this.access = extras.access ?? new HttpAccess();
    this.page = extras.page;
  }

  /** Listens on `host:port` (port 0: any free port) and resolves with the address actually bound. */
  listen(host: string, port: number): Promise<AddressInfo> {
    const server = createServer((request, response) => void this.route(request, response));
    // Scrapes and status checks are short; a stuck client must not hold a socket for long.
    server.requestTimeout = 10_000;
    server.headersTimeout = 10_000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        server.on('error', (error) => this.log.error({ error: error.message }, 'health server error'));
        this.server = server;
        resolve(server.address() as AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    const { server } = this;
    if (!server) return;
    this.server = undefined;
    this.tail.closeAll();
    this.page?.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  /** `POST /alerts/ack` with `{"rule": …, "sensor": …, "source"?: …}`: 200 with the transition, 400/404/409 saying why not. */
  private async acknowledge(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') {
      sendJson(response, 405, { error: `${ACK_PATH} takes POST with {"rule": "...", "sensor": "..."}` }, { allow: 'POST' });
      return;
    }
    if (!this.alerts) {
      sendJson(response, 404, { error: 'this server acknowledges no alerts' });
      return;
    }
    const body = await readBody(request, MAX_ACK_BODY);
    if (body === undefined) {
      sendJson(response, 413, { error: `an acknowledgement is at most ${MAX_ACK_BODY} bytes` }, { connection: 'close' });
      return;
    }
    const parsed = parseAcknowledgement(body);
    if (!parsed.ok) {
      sendJson(response, 400, { error: parsed.message });
      return;
    }
    const { rule, sensor, source } = parsed.request;
    const outcome = this.alerts.acknowledgeAlert(rule, sensor, source, 'http');
    if (outcome.ok) sendJson(response, 200, { acknowledged: outcome.result });
    else sendJson(response, REFUSED_STATUS[outcome.reason], { error: outcome.message, reason: outcome.reason });
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://agent');
    const forPage = this.page !== undefined && LivePage.isPublic(url.pathname) && (url.pathname !== '/' || acceptsHtml(request));
    if (!forPage && !this.access.allows(request, url)) {
      sendJson(response, 401, { error: 'this server needs credentials: agent.http.token (Authorization: Bearer …) or agent.http.basic_auth' }, { 'www-authenticate': this.access.challenge });
      return;
    }
    if (url.pathname === ACK_PATH) {
      try {
        await this.acknowledge(request, response);
      } catch (error) {
        this.log.error({ path: url.pathname, error: (error as Error).message }, 'health server request failed');
        if (!response.headersSent) sendJson(response, 500, { error: (error as Error).message });
        else response.destroy();
      }
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendJson(response, 405, { error: 'only GET is supported' }, { allow: 'GET, HEAD' });
      return;
    }
    try {
      if (this.page && (url.pathname !== '/' || acceptsHtml(request)) && this.page.handle(request, response, url)) return;
      switch (url.pathname) {
        case '/healthz': {
          const report = this.health.report();
          sendJson(response, report.status === 'ok' ? 200 : 503, report);
          return;
        }
        case '/metrics': {
          const text = await this.metrics.render();
          response.writeHead(200, { 'content-type': this.metrics.contentType }).end(text);
          return;
        }
        case '/tail':
          this.tail.handle(request, response, url.searchParams);
          return;
        case '/':
          sendJson(response, 200, { endpoints: ['/ (the live page, in a browser)', '/healthz', '/metrics', '/tail?sensor=<glob>', `POST ${ACK_PATH}`] });
          return;
        default:
          sendJson(response, 404, { error: `no such endpoint: ${url.pathname}`, endpoints: ['/healthz', '/metrics', '/tail', ACK_PATH] });
      }
    } catch (error) {
      this.log.error({ path: url.pathname, error: (error as Error).message }, 'health server request failed');
      if (!response.headersSent) sendJson(response, 500, { error: (error as Error).message });
      else response.destroy();
    }
  }
}

const ACK_PATH = '/alerts/ack';
/** An acknowledgement is a few names; anything longer is not one. */
const MAX_ACK_BODY = 4096;

/** HTTP status for each reason an acknowledgement was refused. */
const REFUSED_STATUS = { 'unknown rule': 404, 'not an alert rule': 404, 'unknown sensor': 404, 'not firing': 404, 'ambiguous source': 409 } as const;

/** A browser asks for HTML; curl and scripts asking for `/` get the list of endpoints as before. */
function acceptsHtml(request: IncomingMessage): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    const collect = (chunk: string) => {
      body += chunk;
      if (body.length > limit) {
        // Read the rest without keeping it, so the client gets the 413 (destroying the request reset the connection
        // before any answer); the answer closes the connection.
        request.off('data', collect);
        request.resume();
        resolve(undefined);
      }
    };
    request.on('data', collect);
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(`${JSON.stringify(body, null, 2)}\n`);
}
