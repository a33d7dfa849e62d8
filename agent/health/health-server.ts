import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { AgentMetrics } from './agent-metrics.js';
import type { HealthCheck } from './health-report.js';
import type { LiveTail } from './live-tail.js';

/**
 * The agent's small HTTP server: `GET /healthz` (200 or 503 with the report as JSON), `GET /metrics` (Prometheus
 * text), `GET /tail` (live readings and results). Read-only; it listens on loopback unless configured otherwise.
 */
export class HealthServer {
  private server: Server | undefined;

  constructor(
    private readonly health: HealthCheck,
    private readonly metrics: AgentMetrics,
    private readonly tail: LiveTail,
    private readonly log: Logger,
  ) {}

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
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://agent');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendJson(response, 405, { error: 'only GET is supported' }, { allow: 'GET, HEAD' });
      return;
    }
    try {
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
          sendJson(response, 200, { endpoints: ['/healthz', '/metrics', '/tail?sensor=<glob>'] });
          return;
        default:
          sendJson(response, 404, { error: `no such endpoint: ${url.pathname}`, endpoints: ['/healthz', '/metrics', '/tail'] });
      }
    } catch (error) {
      this.log.error({ path: url.pathname, error: (error as Error).message }, 'health server request failed');
      if (!response.headersSent) sendJson(response, 500, { error: (error as Error).message });
      else response.destroy();
    }
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  response.end(`${JSON.stringify(body, null, 2)}\n`);
}
