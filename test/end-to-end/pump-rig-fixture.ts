import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach } from 'vitest';
import type { HealthReport } from '../../agent/health/health-report.js';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { freePort } from '../helpers/free-port.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const HEALTH_SERVER_UP = /health and metrics on/;

/** A real agent reading a pump rig's sensors (`rig/<sensor>`) from its own Mosquitto, one alert rule `pump_odd`. */
export interface PumpRig {
  readonly broker: MosquittoBroker;
  /** The agent's health server. */
  readonly url: string;
  readonly config: string;
  readonly dataDir: string;
  agent: AgentProcess;
  /** A device client publishing the rig's readings. */
  readonly device: MqttClient;
  health(): Promise<HealthReport>;
  /** Stops the agent with `signal` (SIGKILL: a power cut) and starts it again on the same config and data. */
  restart(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Per test: a temp dir and a broker; `start(anomaly, waitFor)` writes the rig's config with the given `anomaly:`
 * options, starts the agent, waits for its log lines `waitFor` in turn, and connects the device. All of it is gone
 * after the test.
 */
export function usePumpRig(name: string) {
  let dir: TempDir;
  let broker: MosquittoBroker;
  let rig: PumpRig | undefined;
  beforeEach(async () => {
    dir = await makeTempDir(name);
    broker = await startMosquitto();
  });
  afterEach(async () => {
    rig?.agent.child.kill('SIGKILL');
    await rig?.agent.exited;
    await rig?.device.endAsync(true);
    rig = undefined;
    await broker.dispose();
    await dir.remove();
  });

  return async function start(anomaly: string, waitFor: RegExp[] = [HEALTH_SERVER_UP]): Promise<PumpRig> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = path.join(dir.path, `${name}.yaml`);
    await writeFile(
      config,
      `
agent: { tick: 50ms, http: { listen: "127.0.0.1:${port}" } }
sources:
  rig: { driver: mqtt, url: "${broker.url}", topics: "rig/#", strip_prefix: rig/ }
rules:
  pump_odd:
    from: rig
    anomaly: ${anomaly}
sinks:
  upstream: { driver: mqtt, url: "${broker.url}", topic: "out/{rule}/{sensor}" }
buffer: { commit_interval: 10ms }
`,
    );
    const dataDir = path.join(dir.path, 'data');
    const agent = startAgentProcess(config, dataDir);
    // The health server too, whatever else is waited for: `health()` is how tests see the agent.
    for (const line of new Set([...waitFor, HEALTH_SERVER_UP])) await agent.waitForLog(line, 30_000);
    const device = await mqtt.connectAsync(broker.url);
    const started: PumpRig = {
      broker,
      url,
      config,
      dataDir,
      agent,
      device,
      health: async () => (await (await fetch(`${url}/healthz`)).json()) as HealthReport,
      async restart(signal) {
        started.agent.child.kill(signal);
        await started.agent.exited;
        started.agent = startAgentProcess(config, dataDir);
        await started.agent.waitForLog(HEALTH_SERVER_UP, 30_000);
      },
    };
    rig = started;
    return started;
  };
}
