import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentProcess } from '../helpers/agent-process.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { recordMqtt } from '../helpers/mqtt-recorder.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TRIES = 5;

describe('stopping the agent with the broker up', () => {
  it(`delivers the windows closed by the last tick before it exits, every time of ${TRIES}`, { timeout: 120_000 }, async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.dispose());
    const dir = await makeTempDir('stop-delivers');
    cleanups.push(() => dir.remove());
    const config = path.join(dir.path, 'agent.yaml');
    // A tick of 500 ms leaves a window that closed just before SIGTERM to the stop's own tick, as can happen anytime.
    await writeFile(
      config,
      [
        'agent: { tick: 500ms, http: { enabled: false }, watch_config: false }',
        'sources: { sim: { driver: simulator, interval: 100ms, sensors: [{ name: room/a, base: 20 }] } }',
        'rules:',
        '  per_second: { window: { size: 1s, allowed_lateness: 0s }, aggregates: [count] }',
        `sinks: { upstream: { driver: mqtt, url: "${broker.url}" } }`,
        '',
      ].join('\n'),
    );
    const recorder = await recordMqtt(broker.url, 'tributary/#');
    cleanups.push(() => recorder.close());

    for (let attempt = 1; attempt <= TRIES; attempt++) {
      const agent = startAgentProcess(config, path.join(dir.path, 'data'));
      cleanups.push(async () => {
        if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
        await agent.exited;
      });
      await agent.waitForLog(/^agent running$/);
      await recorder.waitFor((messages) => messages.length > 0, 20_000, 'a first window');
      // 30 ms past a second: the window that has just closed is most likely still waiting for a tick.
      await sleep(2_000 - (Date.now() % 1_000) + 30);
      const lastClosed = Math.floor(Date.now() / 1_000) * 1_000 - 1_000;
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toMatchObject({ code: 0 });
      const stopped = agent.logs().find((line) => line.msg === 'agent stopped; buffer closed');
      expect(stopped?.backlog, `try ${attempt}`).toEqual([{ sink: 'upstream', pending: 0 }]);
      // Acknowledged by the broker before exit, so the recorder has it or is about to.
      await recorder.waitFor((messages) => messages.some((m) => m.payload['start'] === lastClosed), 5_000, `window ${lastClosed} (try ${attempt})`);
      recorder.messages.length = 0;
    }
  });
});
