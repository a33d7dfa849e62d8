import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { checkConfigText } from '../../agent/config/load-config.js';
import { eventually } from '../helpers/mqtt-recorder.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

describe('results that need no window', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await makeTempDir('pass-through');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('leave as soon as their reading arrives, not at the next tick', async () => {
    // A tick of a minute: only the reading itself can bring the results out within the test.
    const checked = checkConfigText(
      `
agent: { tick: 60s, http: { enabled: false } }
sources:
  sim: { driver: simulator, interval: 100ms, sensors: [{ name: a, base: 20 }] }
rules:
  passed_on: { where: "value > 0" }
  too_warm: { alert: { threshold: { above: 10 } } }
  summary: { window: { size: 1s } }
# Nothing listens there: results wait in the buffer, and the test watches them leave the rules.
sinks: { away: { driver: mqtt, url: "mqtt://127.0.0.1:1", reconnect_period: 10s } }
`,
      'pass-through.yaml',
      {},
    );
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    const agent = new Agent(checked.config, { log: pino({ level: 'silent' }), dataDir: dir.path });
    const seen: { kind: string; rule: string; at: number }[] = [];
    agent.tap.onResult((result) => seen.push({ kind: result.kind, rule: result.rule, at: Date.now() }));
    const started = Date.now();
    await agent.start();
    try {
      await eventually(() => seen.filter((r) => r.rule === 'passed_on').length >= 3, 5_000, 'three readings passed on');
      expect(seen.some((r) => r.kind === 'alert' && r.rule === 'too_warm')).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
      // Windows still wait for the clock's tick.
      expect(seen.some((r) => r.rule === 'summary')).toBe(false);
    } finally {
      await agent.stop();
    }
  });
});
