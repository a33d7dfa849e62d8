import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../../test/helpers/mosquitto.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { Agent } from '../agent.js';
import { checkConfigText } from '../config/load-config.js';
import type { HealthReport } from './health-report.js';
import { Operations } from './operations.js';

const silent = pino({ level: 'silent' });

/**
 * `POST /alerts/ack` of an agent running in this process, asked over real HTTP: the answers for a sensor that fires
 * from two sources, and for a body too long to be an acknowledgement.
 */
describe('POST /alerts/ack', () => {
  let broker: MosquittoBroker;
  let dir: TempDir;
  let agent: Agent | undefined;
  let operations: Operations | undefined;
  let base = '';
  beforeEach(async () => {
    broker = await startMosquitto();
    dir = await makeTempDir('ack-endpoint');
    // Two tanks, each with a sensor named tank/temp, both far above the limit from their first reading.
    const checked = checkConfigText(
      `
agent: { tick: 20ms, http: { listen: 127.0.0.1:0 } }
sources:
  north: { driver: simulator, interval: 20ms, sensors: [{ name: tank/temp, base: 40 }] }
  south: { driver: simulator, interval: 20ms, sensors: [{ name: tank/temp, base: 45 }] }
rules:
  too_hot: { alert: { threshold: { above: 30 } } }
sinks:
  upstream: { driver: mqtt, url: ${broker.url} }
buffer: { commit_interval: 10ms }
`,
      'ack-endpoint.yaml',
      {},
    );
    if (!checked.ok) throw new Error(checked.problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
    agent = new Agent(checked.config, { log: silent, dataDir: dir.path });
    await agent.start();
    operations = new Operations(agent, { http: checked.config.agent.http, log: silent, env: {} });
    await operations.start();
    base = `http://127.0.0.1:${operations.address?.port}`;
  });
  afterEach(async () => {
    await operations?.stop();
    await agent?.stop();
    operations = undefined;
    agent = undefined;
    await broker.dispose();
    await dir.remove();
  });

  const firing = async () => ((await (await fetch(`${base}/healthz`)).json()) as HealthReport).alerts?.filter((a) => a.state === 'firing') ?? [];
  const bothFiring = async () => {
    const deadline = Date.now() + 10_000;
    while ((await firing()).length < 2) {
      if (Date.now() > deadline) throw new Error('timed out waiting for tank/temp firing from both sources');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const ack = (body: string) => fetch(`${base}/alerts/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('answers 409 when the sensor fires from several sources and none was named, and acknowledges the one named', async () => {
    await bothFiring();

    const ambiguous = await ack('{"rule": "too_hot", "sensor": "tank/temp"}');
    expect(ambiguous.status).toBe(409);
    expect(await ambiguous.json()).toEqual({
      reason: 'ambiguous source',
      error: 'sensor tank/temp fires in rule too_hot from several sources (north, south); name the source',
    });
    // Nothing was acknowledged by the refused request.
    expect((await firing()).map((a) => a.source).sort()).toEqual(['north', 'south']);

    const named = await ack('{"rule": "too_hot", "sensor": "tank/temp", "source": "south"}');
    expect(named.status).toBe(200);
    expect(await named.json()).toMatchObject({ acknowledged: { source: 'south', sensor: 'tank/temp', state: 'resolved', resolution: 'acknowledged' } });
    expect((await firing()).map((a) => a.source)).toEqual(['north']);
  });

  it('answers 413 to a body longer than an acknowledgement can be (4096 bytes), and acknowledges nothing', async () => {
    await bothFiring();
    const long = JSON.stringify({ rule: 'too_hot', sensor: 'tank/temp', source: 'north', note: 'x'.repeat(5000) });
    const response = await ack(long);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'an acknowledgement is at most 4096 bytes' });
    expect(await firing()).toHaveLength(2);
    // The server goes on answering.
    expect((await ack('{"rule": "too_hot", "sensor": "tank/temp", "source": "north"}')).status).toBe(200);
  });
});
