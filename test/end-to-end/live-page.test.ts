import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script in plain JavaScript, without type declarations
import { buildPage } from '../../agent/live-page/build-page.mjs';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { launchChromium } from '../helpers/chromium.js';
import { freePort } from '../helpers/free-port.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { tributary } from '../helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const SCREENSHOT = fileURLToPath(new URL('../../agent/live-page/live-page.png', import.meta.url));

/**
 * The live page in a real browser (Debian's Chromium), served by a real agent process reading the simulator and a
 * real Mosquitto, with an alert rule: what a person standing by the device sees.
 */
describe('the live page', () => {
  let dir: TempDir;
  let broker: MosquittoBroker;
  let browser: Browser;
  let agent: AgentProcess | undefined;
  let device: MqttClient | undefined;

  beforeAll(async () => {
    await buildPage();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    agent?.child.kill('SIGKILL');
    await agent?.exited;
    agent = undefined;
    await device?.endAsync(true);
    device = undefined;
    await broker?.dispose();
    await dir?.remove();
  });

  let configFile = '';
  async function startAgent(http: string): Promise<void> {
    dir = await makeTempDir('live-page');
    broker = await startMosquitto();
    const config = (configFile = path.join(dir.path, 'page.yaml'));
    await writeFile(
      config,
      `
agent: { tick: 50ms, log_format: json, watch_config: false, http: ${http} }
history: { readings: 1h, flush_interval: 1s }
sources:
  greenhouse:
    driver: simulator
    interval: 200ms
    sensors:
      - { name: greenhouse/temperature, base: 21, amplitude: 2, noise: 0.3, period: 2m }
      - { name: greenhouse/humidity, base: 60, amplitude: 5, noise: 1, period: 2m }
      - { name: greenhouse/soil, base: 30, noise: 0.5 }
    tags: { unit: "%" }
  field:
    driver: mqtt
    url: "${broker.url}"
    topics: "field/#"
    strip_prefix: field/
rules:
  greenhouse_2s:
    from: greenhouse
    window: { type: tumbling, size: 2s }
    aggregates: [count, mean, max]
  too_humid:
    from: greenhouse
    select: greenhouse/humidity
    alert: { threshold: { above: 40 }, message: "humidity {{value:1}} above 40" }
sinks:
  out: { driver: console }
`,
    );
    agent = startAgentProcess(config, path.join(dir.path, 'data'));
    await agent.waitForLog(/live page on \//, 30_000);
    device = await mqtt.connectAsync(broker.url);
  }

  /** Publishes until the field source has subscribed and its sensor reached the agent. */
  async function publishFieldReading(url: string, value: number): Promise<void> {
    for (let tries = 0; tries < 100; tries++) {
      await device!.publishAsync('field/well/level', String(value), { qos: 1 });
      const { sensors } = (await (await fetch(`${url}/api/sensors`)).json()) as { sensors: { sensor: string; value: number }[] };
      if (sensors.some((s) => s.sensor === 'well/level' && s.value === value)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the field source never received a reading');
  }

  /** Pixels of the sensor's chart canvas that something was drawn on (run in the page, so written as page script). */
  async function canvasInkedPixels(page: Page, sensor: string): Promise<number> {
    return page.evaluate(`(() => {
      const canvas = document.querySelector('article.sensor[data-sensor=${JSON.stringify(sensor)}] canvas');
      if (!canvas) return -1;
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let inked = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
      return inked;
    })()`);
  }

  it('lists every sensor with a drawn chart, shows a new reading within 2 s, a firing alert that can be acknowledged, and a source that went down with its reason', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    await startAgent(`{ listen: "127.0.0.1:${port}" }`);
    await publishFieldReading(url, 1.5);
    // Let the history file take a few seconds of readings (flushed every second).
    await new Promise((resolve) => setTimeout(resolve, 2500));

    // Load time: the browser's own clock, from the start of navigation to the end of the load event, on a cold cache
    // (a new context each time) in a browser that is already open. A loaded CI machine can stall one load; the best of
    // three must be under 1 s.
    const loads: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const context = await browser.newContext();
      const cold = await context.newPage();
      await cold.goto('about:blank');
      await cold.goto(`${url}/`, { waitUntil: 'load' });
      loads.push(await cold.evaluate<string>("JSON.stringify(performance.getEntriesByType('navigation')[0])"));
      await context.close();
      if ((JSON.parse(loads[loads.length - 1]!) as { loadEventEnd: number }).loadEventEnd < 1000) break;
    }
    const fastest = Math.min(...loads.map((entry) => (JSON.parse(entry) as { loadEventEnd: number }).loadEventEnd));
    expect(fastest).toBeGreaterThan(0);
    expect(fastest, loads.join('\n')).toBeLessThan(1000);

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    await page.goto(`${url}/`, { waitUntil: 'load' });
    await page.waitForSelector('article.sensor[data-sensor="well/level"]', { timeout: 5000 });

    const listed = await page.$$eval('article.sensor', (cards) => cards.map((card) => card.getAttribute('data-sensor')).sort());
    expect(listed).toEqual(['greenhouse/humidity', 'greenhouse/soil', 'greenhouse/temperature', 'well/level']);
    await expect.poll(() => page.textContent('article.sensor[data-sensor="greenhouse/soil"] .value')).toMatch(/^\d+(\.\d+)? %$/);

    // A glob narrows the list, and the live stream to those sensors; emptied, every sensor is back.
    await page.fill('#filter', '**/temp*');
    await expect.poll(() => page.$$eval('article.sensor', (cards) => cards.map((card) => card.getAttribute('data-sensor')))).toEqual(['greenhouse/temperature']);
    expect(await page.textContent('#sensor-summary')).toBe('1 of 4 sensors');
    await page.fill('#filter', '');
    await expect.poll(() => page.$$eval('article.sensor', (cards) => cards.length)).toBe(4);
    // The stream follows the new filter once it has reconnected.
    await expect.poll(() => page.textContent('#connection'), { timeout: 10_000 }).toBe('live');

    // The charts are drawn from the history and live readings: the canvas has ink on it.
    await expect.poll(() => canvasInkedPixels(page, 'greenhouse/temperature'), { timeout: 5000 }).toBeGreaterThan(200);

    // A new reading reaches the page within 2 s.
    const published = Date.now();
    await device!.publishAsync('field/well/level', '4242.5', { qos: 1 });
    await expect.poll(() => page.textContent('article.sensor[data-sensor="well/level"] .value'), { timeout: 2000, interval: 50 }).toBe('4242.5');
    expect(Date.now() - published).toBeLessThan(2000);

    // The alert fires (humidity is always above 40) and shows first, with its message.
    const firing = page.locator('#alerts-live tr', { hasText: 'too_humid' });
    await expect.poll(() => firing.textContent(), { timeout: 10_000 }).toContain('firing');
    expect(await firing.textContent(), JSON.stringify(await (await fetch(`${url}/api/overview`)).json())).toMatch(/humidity [\d.]+ above 40/);

    // The details of a sensor: its chart, its window results (from the history, written every second here) and raw readings.
    await page.click('article.sensor[data-sensor="greenhouse/temperature"]');
    await page.waitForSelector('#detail table.raw tbody tr');
    expect(await page.locator('#detail h2').textContent()).toBe('greenhouse/temperature');
    expect(await page.locator('#detail table.results').textContent()).toMatch(/greenhouse_2s.*window.*mean/);

    await page.screenshot({ path: path.join(dir.path, 'live-page.png'), fullPage: true });
    if (process.env.UPDATE_SCREENSHOT) await writeFile(SCREENSHOT, await readFile(path.join(dir.path, 'live-page.png')));

    // The click on Acknowledge goes through POST /alerts/ack; the alert is then resolved (acknowledged).
    await firing.locator('button.ack').click();
    await expect.poll(() => page.locator('#alerts-live').textContent(), { timeout: 10_000 }).toContain('resolved (acknowledged)');

    // The broker goes away: the MQTT source shows as down, with why.
    await broker.stop();
    const fieldRow = page.locator('table.sources tr', { hasText: 'field' });
    await expect.poll(() => fieldRow.textContent(), { timeout: 15_000 }).toMatch(/down: .*(ECONNREFUSED|connect|closed|lost)/i);
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('beyond loopback, answers 401 without the token, and the page asks for it', async () => {
    const port = await freePort('0.0.0.0');
    const url = `http://127.0.0.1:${port}`;
    const token = 'a-test-token-0123456789';
    await startAgent(`{ listen: "0.0.0.0:${port}", token: "${token}" }`);
    for (const endpoint of ['/api/overview', '/api/sensors', '/healthz', '/metrics', '/tail']) {
      const refused = await fetch(`${url}${endpoint}`);
      expect(refused.status, endpoint).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect((await fetch(`${url}/api/overview`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(`${url}/alerts/ack`, { method: 'POST', body: '{"rule":"too_humid","sensor":"greenhouse/humidity"}' })).status).toBe(401);
    expect((await fetch(`${url}/api/overview`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // The commands that talk to the agent send the token of its config.
    const status = await tributary('status', '--config', configFile);
    expect(status.stderr).toBe('');
    expect(status.stdout).toContain('greenhouse');

    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.waitForSelector('dialog#login[open]', { timeout: 5000 });
    await page.fill('#token', token);
    await page.click('dialog#login button[type=submit]');
    await page.waitForSelector('article.sensor[data-sensor="greenhouse/temperature"]', { timeout: 5000 });
    // The live stream, which cannot send headers, carries the token in its query: readings keep arriving.
    const before = await page.textContent('article.sensor[data-sensor="greenhouse/temperature"] .value');
    await expect.poll(() => page.textContent('article.sensor[data-sensor="greenhouse/temperature"] .value'), { timeout: 3000 }).not.toBe(before);
    await page.close();
  }, 60_000);
});
