import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { checkConfigText } from '../../agent/config/load-config.js';
import { eventually } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

describe('a source that cannot start', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir('failing-source');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('is reported down with its reason while the other sources and the rules carry on', async () => {
    const checked = checkConfigText(
      `
sources:
  shed:
    driver: gpio
    chip_path: ${dir.path}/no-gpio-here
    pins: [{ pin: 17, name: shed/door, mode: state }]
  sim:
    driver: simulator
    interval: 20ms
    sensors: [{ name: a, base: 1 }]
rules:
  fast: { window: { size: 100ms, allowed_lateness: 0s } }
sinks:
  out: { driver: console, format: json }
agent: { tick: 20ms }
`,
      'failing-source.yaml',
      {},
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    const agent = new Agent(checked.config, { log: pino({ level: 'silent' }), dataDir: dir.path });
    const stdout = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write; // the console sink's results are not the point here
    try {
      await agent.start();
      await eventually(() => agent.resultsOut > 2, 10_000, 'results from the simulator');
      const [shed, sim] = agent.sourceStatus();
      expect(shed).toMatchObject({ name: 'shed', driver: 'gpio', up: false, readings: 0 });
      expect(shed!.reason).toMatch(/no-gpio-here/);
      expect(sim).toMatchObject({ name: 'sim', up: true });
      expect(sim!.readings).toBeGreaterThan(0);
    } finally {
      await agent.stop();
      process.stdout.write = stdout;
    }
  });
});
