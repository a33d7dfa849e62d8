import { get } from 'node:http';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/helpers/mqtt-recorder.js';
import { startMosquitto, type MosquittoBroker } from '../../test/helpers/mosquitto.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { Agent } from '../agent.js';
import { checkConfigText } from '../config/load-config.js';
import type { HealthReport } from './health-report.js';
import { Operations } from './operations.js';

const silent = pino({ level: 'silent' });

/** The health server of an agent running in this process, asked over real HTTP. */
describe('health and metrics server', () => {
  let broker: MosquittoBroker;
  let dir: TempDir;
  let agent: Agent | undefined;
  let operations: Operations | undefined;
  let base = '';
  beforeEach(async () => {
    broker = await startMosquitto();
    dir = await makeTempDir('health');
  });
  afterEach(async () => {
    await operations?.stop();
    await agent?.stop();
    operations = undefined;
    agent = undefined;
    await broker.dispose();
    await dir.remove();
  });

  async function start(http = '{ listen: 127.0.0.1:0 }', windowSize = '100ms'): Promise<void> {
    const checked = checkConfigText(
      `
agent: { tick: 20ms, http: ${http} }
sources:
  sim:
    driver: simulator
    interval: 20ms
    sensors: [{ name: room/a, base: 20 }, { name: hall/b, base: 30 }]
  devices:
    driver: mqtt
    url: ${broker.url}
    topics: sensors/#
    strip_prefix: sensors/
rules:
  mean: { window: { size: ${windowSize}, allowed_lateness: 0s }, aggregates: [mean] }
sinks:
  upstream: { driver: mqtt, url: ${broker.url}, reconnect_period: 100ms }
buffer: { commit_interval: 10ms }
forwarding: { retry_initial: 50ms, retry_max: 200ms }
`,
      'health.yaml',
      {},
    );
    if (!checked.ok) throw new Error(checked.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    agent = new Agent(checked.config, { log: silent, dataDir: dir.path });
    await agent.start();
    operations = new Operations(agent, { http: checked.config.agent.http, log: silent, env: {} });
    await operations.start();
    base = operations.address ? `http://127.0.0.1:${operations.address.port}` : '';
  }

  const healthz = async () => {
    const response = await fetch(`${base}/healthz`);
    return { status: response.status, report: (await response.json()) as HealthReport };
  };
  const metrics = async () => (await fetch(`${base}/metrics`)).text();
  /** The value of one series in Prometheus text, e.g. `tributary_sink_up{sink="upstream"}`. */
  const sample = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('reports 200 with every source up, the buffer writable and the sink reachable, and counts it all in /metrics', async () => {
    await start();
    const device = await mqtt.connectAsync(broker.url);
    await device.publishAsync('sensors/lab/t', '21.5');
    await device.publishAsync('sensors/lab/t', '{ not json');
    await device.endAsync();
    await eventually(() => agent!.forwarderStats()[0]!.sent > 4 && agent!.badInput.counts().length > 0, 20_000, 'results sent, bad input seen');

    const { status, report } = await healthz();
    expect(status).toBe(200);
    expect(report.status).toBe('ok');
    expect(report.problems).toEqual([]);
    expect(report.sources.map((s) => [s.name, s.up])).toEqual([['sim', true], ['devices', true]]);
    expect(report.buffer).toMatchObject({ writable: true });
    expect(report.buffer.bytes).toBeGreaterThan(0);
    expect(report.sinks).toMatchObject([{ name: 'upstream', reachable: true }]);

    const text = await metrics();
    expect(sample(text, 'tributary_source_readings_total{source="sim"}')).toBeGreaterThan(4);
    expect(sample(text, 'tributary_source_readings_total{source="devices"}')).toBe(1);
    // Connecting at start is no reconnect.
    expect(sample(text, 'tributary_source_reconnects_total{source="devices"}')).toBe(0);
    expect(sample(text, 'tributary_bad_input_total{source="devices",kind="mqtt-bad-payload"}')).toBe(1);
    expect(sample(text, 'tributary_rule_results_total{rule="mean",kind="window"}')).toBeGreaterThan(0);
    expect(sample(text, 'tributary_sink_sent_results_total{sink="upstream"}')).toBeGreaterThan(4);
    // The test's agent moves its own time (no clock watch): its times count as synchronised, and nothing stepped.
    expect(sample(text, 'tributary_clock_synchronised')).toBe(1);
    expect(sample(text, 'tributary_clock_steps_total')).toBe(0);
    expect(sample(text, 'tributary_sink_up{sink="upstream"}')).toBe(1);
    expect(sample(text, 'tributary_source_up{source="sim",driver="simulator"}')).toBe(1);
    expect(sample(text, 'tributary_buffer_writable')).toBe(1);
    expect(sample(text, 'tributary_buffer_pending_results{sink="upstream"}')).toBeGreaterThanOrEqual(0);
    // Node's own: event-loop lag and memory.
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000);
  });

  it('reports 503 naming the unreachable sink and the disconnected source, with the backlog and its age, until the broker is back', async () => {
    await start();
    await eventually(() => agent!.forwarderStats()[0]!.sent > 0, 20_000, 'a first result sent');
    await broker.stop();

    let report!: HealthReport;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = await healthz();
      report = answer.report;
      if (answer.status === 503 && report.sinks[0]!.pending > 3 && (report.sinks[0]!.oldest_pending_age_s ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error(`still not failing with a backlog: ${JSON.stringify(report)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(report.status).toBe('failing');
    expect(report.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^sink upstream: /), expect.stringMatching(/^source devices: /)]));
    expect(report.sinks[0]).toMatchObject({ name: 'upstream', reachable: false });
    expect(report.sources.find((s) => s.name === 'sim')!.up).toBe(true);

    const text = await metrics();
    expect(sample(text, 'tributary_sink_up{sink="upstream"}')).toBe(0);
    expect(sample(text, 'tributary_source_up{source="devices",driver="mqtt"}')).toBe(0);
    expect(sample(text, 'tributary_buffer_pending_results{sink="upstream"}')).toBeGreaterThan(3);
    expect(sample(text, 'tributary_sink_oldest_pending_age_seconds{sink="upstream"}')).toBeGreaterThan(0);

    await broker.restart();
    const back = Date.now() + 20_000;
    while ((await healthz()).status !== 200) {
      if (Date.now() > back) throw new Error(`not healthy again: ${JSON.stringify((await healthz()).report.problems)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const after = await metrics();
    // One outage, one reconnect: the first connect at start does not count.
    expect(sample(after, 'tributary_source_reconnects_total{source="devices"}')).toBe(1);
  });

  it('leaves out the oldest-pending age of a sink with nothing pending, where an age of 0 would mean a result just made', async () => {
    await start(undefined, '1h');
    const text = await metrics();
    expect(sample(text, 'tributary_buffer_pending_results{sink="upstream"}')).toBe(0);
    expect(text).toContain('# TYPE tributary_sink_oldest_pending_age_seconds gauge');
    expect(sample(text, 'tributary_sink_oldest_pending_age_seconds{sink="upstream"}')).toBeUndefined();
  });

  it('streams readings and results of matching sensors only on /tail', async () => {
    await start();
    const events: { event: string; data: { sensor: string; kind?: string } }[] = [];
    const request = get(`${base}/tail?sensor=room/*`, (response) => {
      expect(response.headers['content-type']).toBe('text/event-stream');
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        pending += chunk;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const block = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const event = /^event: (\w+)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as { sensor: string } });
        }
      });
    });
    try {
      await eventually(
        () => events.some((e) => e.event === 'reading') && events.some((e) => e.event === 'result' && e.data.kind === 'window'),
        20_000,
        'a reading and a window result',
      );
      expect(new Set(events.map((e) => e.data.sensor))).toEqual(new Set(['room/a']));
    } finally {
      request.destroy();
    }
  });

  it('shows alert transitions passing through the pipeline as tributary_alert_state, and states set directly', async () => {
    await start();
    const alert = {
      kind: 'alert', rule: 'hot', source: 'sim', sensor: 'room/a', tags: {}, timestamp: Date.now(), detector: 'threshold',
      severity: 'critical', value: 31, message: 'room/a above 30', since: Date.now() - 1_000,
    } as const;
    agent!.tap.result({ ...alert, state: 'firing', previous: 'pending' });
    const series = 'tributary_alert_state{rule="hot",sensor="room/a",severity="critical"}';
    expect(sample(await metrics(), series)).toBe(2);
    agent!.tap.result({ ...alert, state: 'resolved', previous: 'firing' });
    const text = await metrics();
    expect(sample(text, series)).toBe(0);
    expect(sample(text, 'tributary_rule_results_total{rule="hot",kind="alert"}')).toBe(2);
    // An alert engine with state of its own registers it directly.
    operations!.metrics!.alertStates.set({ rule: 'cold', sensor: 'hall/b', severity: 'warning' }, 'pending');
    expect(sample(await metrics(), 'tributary_alert_state{rule="cold",sensor="hall/b",severity="warning"}')).toBe(1);
  });

  it('answers 404 for unknown paths and 405 for writes', async () => {
    await start();
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'no such endpoint: /nope' });
    const post = await fetch(`${base}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('listens nowhere when agent.http.enabled is false', async () => {
    await start('{ enabled: false, listen: 127.0.0.1:0 }');
    expect(operations!.address).toBeUndefined();
  });
});
