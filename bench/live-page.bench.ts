/**
 * What the live page costs: the bytes a browser fetches to open it (cold cache, as sent: gzip where the browser asks
 * for it), how long it takes to load, and the agent's memory before and while the page stays open.
 *
 * The agent (the built CLI, with the Node flags of systemd/tributary.service) reads 20 simulated sensors at 1 Hz
 * through a 10 s window rule and a threshold alert, keeps an hour of raw readings in its history and sends results to
 * the console (discarded). Its history starts with the past hour of those sensors already in it (72,000 rows), so
 * the charts load as on a device that has run for a while. A second agent, the same in every way, runs beside it the
 * whole time and nobody opens its page: the control, so that what the agent's memory does anyway (its history
 * filling, caches warming) is not counted as the page's. After BENCH_PAGE_WARMUP_S (default 60) both RSS are sampled for 10 s; then Debian's Chromium
 * (playwright-core) opens the page and keeps it open for BENCH_PAGE_MINUTES (default 10), with live readings
 * streaming; both RSS are sampled every 5 s; then the page closes and they are sampled for 30 s more.
 *
 *   npm run bench:page      (BENCH_PAGE_MINUTES=1 for a quick look)
 *
 * Prints JSON lines: page.transfer (bytes by kind and in all), page.load (navigation timing), page.memory (the agent
 * whose page was open, and the control), page.memory.timeline (both, a point a minute).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/helpers/chromium.js';
import { freePort } from '../test/helpers/free-port.js';
import { agentNodeFlags } from './agent-node-flags.js';
import { HISTORY_FILE } from '../agent/history/history-file.js';
import { HISTORY_SCHEMA } from '../agent/history/local-history.js';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const WARMUP_S = Number(process.env.BENCH_PAGE_WARMUP_S ?? 60);
const MINUTES = Number(process.env.BENCH_PAGE_MINUTES ?? 10);
const SENSORS = 20;

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** The past hour of every sensor at 1 Hz, written as the agent writes its history. */
function prefillHistory(dataDir: string, now: number): void {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, HISTORY_FILE));
  db.pragma('journal_mode = WAL');
  db.exec(HISTORY_SCHEMA);
  const insert = db.prepare('INSERT INTO readings (time, source, sensor, value, tags) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let t = now - 3600_000; t < now; t += 1000) {
      for (let i = 0; i < SENSORS; i++) insert.run(t, 'site', `site/sensor${String(i).padStart(2, '0')}`, 20 + i + 2 * Math.sin(t / 95_000), '{"unit":"°C"}');
    }
  })();
  db.close();
}

const dir = await mkdtemp(path.join(tmpdir(), 'bench-page-'));

/** One agent with the page's config and an hour of history, listening on its own port. */
async function startAgent(name: string) {
  const port = await freePort();
  const config = path.join(dir, `${name}.yaml`);
  const sensors = Array.from({ length: SENSORS }, (_, i) => `      - { name: site/sensor${String(i).padStart(2, '0')}, base: ${20 + i}, amplitude: 2, noise: 0.3, period: 10m }`).join('\n');
  await writeFile(
    config,
    `
agent: { log_format: json, watch_config: false, http: { listen: "127.0.0.1:${port}" } }
history: { readings: 1h }
sources:
  site:
    driver: simulator
    interval: 1s
    sensors:
${sensors}
    tags: { unit: "°C" }
rules:
  site_10s:
    from: site
    window: { type: tumbling, size: 10s }
    aggregates: [count, mean, min, max]
  too_warm:
    from: site
    select: site/sensor19
    alert: { threshold: { above: 40 } }
sinks:
  out: { driver: console }
`,
  );
  const dataDir = path.join(dir, `${name}-data`);
  prefillHistory(dataDir, Date.now());
  const child = spawn(process.execPath, [...agentNodeFlags(), 'dist/agent/cli.js', 'run', '--config', config, '--data-dir', dataDir], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { port, child };
}

/** RSS of both agents, sampled together. */
async function sampleBoth(seconds: number, everyMs: number): Promise<{ viewed: number[]; control: number[] }> {
  const viewed: number[] = [];
  const control: number[] = [];
  for (let t = 0; t < seconds * 1000; t += everyMs) {
    viewed.push(rssBytes(agent.child.pid!));
    control.push(rssBytes(controlAgent.child.pid!));
    await sleep(everyMs);
  }
  return { viewed, control };
}

const agent = await startAgent('viewed');
const controlAgent = await startAgent('control');
const port = agent.port;
try {
  await sleep(WARMUP_S * 1000);
  const before = await sampleBoth(10, 1000);

  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto('about:blank');
  const transferred: { url: string; kind: string; bytes: number; body: number }[] = [];
  page.on('requestfinished', (request) => {
    void request.sizes().then((sizes) => {
      const url = new URL(request.url());
      const kind = url.pathname === '/' ? 'html' : url.pathname.endsWith('.js') ? 'js' : url.pathname.endsWith('.css') ? 'css' : 'api';
      transferred.push({ url: url.pathname, kind, bytes: sizes.responseHeadersSize + sizes.responseBodySize, body: sizes.responseBodySize });
    });
  });
  // Every request of the first opening has finished (the live stream aside, which stays open).
  const firstRequests = ['/api/overview', '/api/sensors', '/api/history'].map((api) =>
    page.waitForEvent('requestfinished', { predicate: (request) => new URL(request.url()).pathname === api, timeout: 30_000 }),
  );
  await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load' });
  await page.waitForSelector('article.sensor[data-sensor="site/sensor19"]', { timeout: 10_000 });
  await Promise.all(firstRequests);
  await sleep(500);
  const timing = JSON.parse(await page.evaluate<string>("JSON.stringify(performance.getEntriesByType('navigation')[0])")) as { loadEventEnd: number; domContentLoadedEventEnd: number; responseEnd: number };
  const byKind: Record<string, number> = {};
  for (const entry of transferred) byKind[entry.kind] = (byKind[entry.kind] ?? 0) + entry.bytes;
  const total = transferred.reduce((sum, entry) => sum + entry.bytes, 0);
  console.log(JSON.stringify({ bench: 'page.transfer', sensors: SENSORS, bytes_total: total, bytes_by_kind: byKind, requests: transferred.length, node: process.version }));
  console.log(JSON.stringify({ bench: 'page.load', load_event_ms: Math.round(timing.loadEventEnd), dom_content_loaded_ms: Math.round(timing.domContentLoadedEventEnd), response_end_ms: Math.round(timing.responseEnd) }));

  const open = await sampleBoth(MINUTES * 60, 5000);
  await page.close();
  await browser.close();
  const after = await sampleBoth(30, 1000);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  for (const which of ['viewed', 'control'] as const) {
    console.log(
      JSON.stringify({
        bench: 'page.memory',
        agent: which === 'viewed' ? 'page open' : 'control, page never opened',
        sensors: SENSORS,
        minutes_open: MINUTES,
        rss_mb_before: mb(mean(before[which])),
        rss_mb_open_mean: mb(mean(open[which])),
        rss_mb_open_max: mb(Math.max(...open[which])),
        rss_mb_open_first_minute: mb(mean(open[which].slice(0, 12))),
        rss_mb_open_last_minute: mb(mean(open[which].slice(-12))),
        rss_mb_after_close: mb(mean(after[which])),
      }),
    );
  }
  // A point a minute: whether a rise levels off, and whether the control rises the same way.
  const perMinute = (values: number[]) => values.filter((_, i) => i % 12 === 11).map(mb);
  console.log(JSON.stringify({ bench: 'page.memory.timeline', minute_marks_mb: { page_open: perMinute(open.viewed), control: perMinute(open.control) } }));
} finally {
  for (const { child } of [agent, controlAgent]) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  await rm(dir, { recursive: true, force: true });
}
