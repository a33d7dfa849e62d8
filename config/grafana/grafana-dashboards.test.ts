import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { parse } from 'yaml';
import type { BufferedResult } from '../../drivers/driver.js';
import { influxdbSinkOptions } from '../../drivers/influxdb/influxdb-options.js';
import { createInfluxdbSink } from '../../drivers/influxdb/influxdb-sink.js';
import { AGENT_RULE, type AlertResult, type EventResult } from '../../rules/rule-result.js';
import { startAgentProcess, type AgentProcess } from '../../test/helpers/agent-process.js';
import { startInfluxd, type Influxd } from '../../test/helpers/influxd.js';
import { startMosquitto, type MosquittoBroker } from '../../test/helpers/mosquitto.js';
import { dashboardQueries, substituteVariables, type Dashboard, type VariableChoice } from '../../test/helpers/grafana-dashboard.js';
import { recordingContext } from '../../test/helpers/recording-context.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';

const GRAFANA = path.dirname(new URL(import.meta.url).pathname);
const DASHBOARDS = path.join(GRAFANA, 'dashboards');
const dashboardFiles = readdirSync(DASHBOARDS).filter((file) => file.endsWith('.json'));
const loadDashboard = (file: string) => JSON.parse(readFileSync(path.join(DASHBOARDS, file), 'utf8')) as Dashboard;
const provisionedDatasources = () =>
  (parse(readFileSync(path.join(GRAFANA, 'provisioning/datasources/tributary-influxdb.yaml'), 'utf8')) as { datasources: { uid: string; type: string }[] })
    .datasources;

describe('Grafana provisioning files', () => {
  it('provision the data source the dashboards refer to, for InfluxDB 1.x and 2.x alike', () => {
    const [datasource] = provisionedDatasources();
    expect(datasource).toMatchObject({ uid: 'tributary-influxql', type: 'influxdb', access: 'proxy', database: 'tributary' });
    const v2 = parse(readFileSync(path.join(GRAFANA, 'datasource-alternatives/influxdb-2-influxql.yaml'), 'utf8')) as { datasources: { uid: string }[] };
    expect(v2.datasources[0]!.uid).toBe(datasource!.uid);
    const flux = parse(readFileSync(path.join(GRAFANA, 'datasource-alternatives/influxdb-2-flux.yaml'), 'utf8')) as {
      datasources: { uid: string; jsonData: Record<string, string> }[];
    };
    expect(flux.datasources[0]).toMatchObject({ jsonData: { version: 'Flux' } });
  });

  it('load the dashboards folder of the installed agent', () => {
    const provider = (parse(readFileSync(path.join(GRAFANA, 'provisioning/dashboards/tributary.yaml'), 'utf8')) as {
      apiVersion: number;
      providers: { type: string; options: { path: string } }[];
    });
    expect(provider.apiVersion).toBe(1);
    expect(provider.providers[0]!.type).toBe('file');
    expect(provider.providers[0]!.options.path.endsWith('/config/grafana/dashboards')).toBe(true);
  });

  it.each(dashboardFiles)('%s has what Grafana needs to provision it', (file) => {
    const dashboard = loadDashboard(file);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    // Provisioned dashboards must not carry a database id: Grafana assigns it.
    expect(dashboard).not.toHaveProperty('id');
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    const uid = provisionedDatasources()[0]!.uid;
    for (const panel of dashboard.panels) {
      expect(panel.gridPos).toMatchObject({ h: expect.any(Number), w: expect.any(Number), x: expect.any(Number), y: expect.any(Number) });
      if (panel.type === 'row') continue;
      expect(panel.datasource).toEqual({ type: 'influxdb', uid });
      for (const target of panel.targets ?? []) expect(target).toMatchObject({ rawQuery: true, datasource: { uid } });
    }
    for (const variable of dashboard.templating.list) expect(variable.datasource).toEqual({ type: 'influxdb', uid });
    const repeated = dashboard.panels.flatMap((panel) => (panel.repeat ? [panel.repeat] : []));
    for (const name of repeated) expect(dashboard.templating.list.map((variable) => variable.name)).toContain(name);
  });
});

/** Every query of every dashboard, run against a real InfluxDB that the agent wrote into. */
describe('dashboard queries against InfluxDB with data written by the agent', () => {
  let dir: TempDir;
  let influx: Influxd;
  let agent: AgentProcess | undefined;
  let broker: MosquittoBroker | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('grafana');
    influx = await startInfluxd();
    await influx.createDatabase('tributary');
    broker = await startMosquitto();
    const config = path.join(dir.path, 'agent.yaml');
    await writeFile(
      config,
      [
        'agent: { self_metrics: 250ms, http: { enabled: false } }',
        'sources:',
        '  greenhouse: { driver: simulator, interval: 100ms }',
        `  devices: { driver: mqtt, url: "${broker.url}", topics: "devices/#" }`,
        'rules:',
        '  greenhouse_1s:',
        '    from: greenhouse',
        '    window: { size: 1s, allowed_lateness: 0s }',
        '    aggregates: [count, mean, min, max]',
        'sinks:',
        `  influx: { driver: influxdb, api: v1, url: "${influx.url}", database: tributary }`,
        // A sink that never answers, so there is a send lag to chart: with nothing waiting the agent reports no age.
        '  parked: { driver: mqtt, url: "mqtt://127.0.0.1:9", reconnect_period: 1s }',
        '',
      ].join('\n'),
    );
    agent = startAgentProcess(config, path.join(dir.path, 'data'));
    // Alert transitions as the agent's influxdb sink writes them (the same code, fed directly).
    const { context } = recordingContext('influx', Date.now);
    const sink = createInfluxdbSink(influxdbSinkOptions.parse({ driver: 'influxdb', api: 'v1', url: influx.url, database: 'tributary' }), context);
    const now = Date.now();
    // One episode per simulated sensor, so every choice of the sensor variable has alerts to show.
    const sensors = ['greenhouse/temperature', 'greenhouse/humidity', 'greenhouse/soil_moisture'];
    const alert = (sensor: string, state: AlertResult['state'], previous: AlertResult['previous'], at: number): AlertResult => ({
      kind: 'alert',
      rule: 'out_of_band',
      source: 'greenhouse',
      sensor,
      tags: {},
      timestamp: at,
      state,
      previous,
      detector: 'threshold',
      severity: 'warning',
      value: 31.2,
      message: `${sensor} at 31.2, above 30 (${state})`,
      since: now - 60_000,
    });
    const transitions = sensors.flatMap((sensor) => [
      alert(sensor, 'pending', 'inactive', now - 60_000),
      alert(sensor, 'firing', 'pending', now - 30_000),
      alert(sensor, 'resolved', 'firing', now - 5_000),
    ]);
    // The agent's own events, as its forwarder and clock watch make them.
    const event = (kind: EventResult['event'], sensor: string, at: number, message: string): EventResult => ({
      kind: 'event',
      rule: AGENT_RULE,
      source: hostname(),
      sensor,
      tags: {},
      event: kind,
      timestamp: at,
      end: at + 60_000,
      held: 42,
      message,
    });
    const events = [event('outage', 'influx', now - 600_000, 'sink influx unreachable for 1 min; 42 results held back and sent late'), event('clock-step', 'clock', now - 300_000, 'wall clock set forward by 3 d')];
    await sink.send([...transitions, ...events].map((result, index): BufferedResult => ({ seq: index + 1, result })));
    await sink.stop();
    // Input no sensor could have sent: bad input the agent dashboard shows.
    const device = await mqtt.connectAsync(broker.url);
    // Wait until every simulated sensor has a few windows, and the agent has reported on itself a few times.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const own = await influx.query('SELECT count("value") FROM "_agent" WHERE "sensor" = \'tributary_bad_input_total\'', { db: 'tributary' });
      const reports = Number(own.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
      // Until the source has subscribed, a message goes nowhere: keep sending.
      await device.publishAsync('devices/broken', '{not json', { qos: 1 });
      const response = await influx.query('SELECT count("mean") FROM "greenhouse_1s" GROUP BY "sensor"', { db: 'tributary' });
      const series = response.results[0]?.series ?? [];
      if (reports >= 4 && series.length >= 3 && series.every((s) => Number(s.values[0]![1]) >= 3)) break;
      if (Date.now() > deadline) throw new Error(`the agent wrote too little into InfluxDB: ${JSON.stringify(response)} ${JSON.stringify(await influx.query('SHOW SERIES FROM "_agent"', { db: 'tributary' }))}\n${agent.logs().map((l) => JSON.stringify(l)).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await device.endAsync();
  }, 60_000);

  afterAll(async () => {
    agent?.child.kill('SIGTERM');
    await agent?.exited;
    await influx?.dispose();
    await broker?.dispose();
    await dir?.remove();
  });

  const run = async (query: string) => {
    const response = await influx.query(query, { db: 'tributary', epoch: 'ms' });
    const result = response.results[0]!;
    expect(result.error, query).toBeUndefined();
    return result.series ?? [];
  };

  /** Values of a variable as Grafana shows them: its query's values, through its regex (capture group 1 when there is one). */
  const variableValues = async (query: string, regex: string) => {
    const values = (await run(query)).flatMap((series) => series.values.map((row) => String(row[row.length - 1])));
    const pattern = regex ? new RegExp(regex.slice(1, regex.lastIndexOf('/')), regex.slice(regex.lastIndexOf('/') + 1)) : undefined;
    const shown = values.flatMap((value) => {
      if (!pattern) return [value];
      const match = pattern.exec(value);
      return match ? [match[1] ?? match[0]] : [];
    });
    return [...new Set(shown)];
  };

  it.each(dashboardFiles)('every query of %s returns data, for "All" and for a single value of each variable', async (file) => {
    const dashboard = loadDashboard(file);
    const { variables, panels, annotations } = dashboardQueries(dashboard);
    // Variables depend on the ones before them, as in Grafana: resolve in order, with "All" and with the first value.
    for (const mode of ['all', 'first'] as const) {
      const chosen = new Map<string, VariableChoice>();
      for (const variable of variables) {
        const values = await variableValues(substituteVariables(variable.query, chosen), variable.regex);
        expect(values.length, `variable ${variable.name}: ${variable.query}`).toBeGreaterThan(0);
        if (variable.name === 'rule') expect(values).toEqual(['greenhouse_1s']);
        chosen.set(variable.name, mode === 'all' && variable.includeAll ? { all: variable.allValue } : { values: [values[0]!] });
      }
      for (const query of [...panels, ...annotations]) {
        const series = await run(substituteVariables(query.text, chosen, { timeFilter: 'time > now() - 1h', interval: '1s' }));
        expect(series.length, `${query.where} (${mode}): ${query.text}`).toBeGreaterThan(0);
        expect(series[0]!.values.length).toBeGreaterThan(0);
      }
    }
  });
});
