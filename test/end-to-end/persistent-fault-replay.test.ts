import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertResult } from '../../rules/rule-result.js';
import { tributary } from '../helpers/run-cli.js';
import { seededNoise } from '../helpers/seeded-noise.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.UTC(2026, 0, 1);
/** The fault begins after two days of normal readings, twice the detector's history (`window`, 1000 readings). */
const FAULT = START + 2 * DAY;

/**
 * The lifecycle paths of a persistent fault through `tributary replay`, on recordings of a pump's discharge pressure
 * (one reading a minute, 4 bar with a little noise, then a valve closed part-way: 3 bar). Replay judges event time:
 * `learn_new_normal_after` counts the recording's minutes, not the wall clock's. An acknowledgement needs a person
 * and a running agent, so it is tested end to end in acknowledge-alert.test.ts and restart-during-fault.test.ts.
 */
describe('a persistent fault through tributary replay (anomaly: {})', () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir('persistent-replay');
  });
  afterAll(async () => {
    await dir.remove();
  });

  /** Writes `pump_pressure.csv` with each `[days, level]` stretch in turn, replays it, and returns its alerts. */
  async function replay(name: string, anomaly: string, stretches: readonly (readonly [number, number])[]): Promise<AlertResult[]> {
    const noise = seededNoise(7);
    const lines = ['timestamp,value'];
    let time = START;
    for (const [days, level] of stretches) {
      for (const end = time + days * DAY; time < end; time += MINUTE) lines.push(`${new Date(time).toISOString()},${(level + 0.05 * noise()).toFixed(4)}`);
    }
    const folder = path.join(dir.path, name);
    const input = path.join(folder, 'pump_pressure.csv');
    const config = path.join(folder, 'pump.yaml');
    const output = path.join(folder, 'results.jsonl');
    await mkdir(folder, { recursive: true });
    await writeFile(input, `${lines.join('\n')}\n`);
    await writeFile(config, `rules:\n  pump_odd:\n    anomaly: ${anomaly}\n`);
    const result = await tributary('replay', '--config', config, '--input', input, '--output', output);
    expect(result.code, result.stderr).toBe(0);
    return readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AlertResult)
      .filter((r) => r.kind === 'alert');
  }

  const at = (alert: AlertResult | undefined) => alert && `${alert.state}${alert.resolution ? ` (${alert.resolution})` : ''} at +${(alert.timestamp - FAULT) / MINUTE} min`;

  it('keeps a level shift firing for the whole rest of the recording, two days after the history took it for normal', async () => {
    const alerts = await replay('shift', '{}', [[2, 4], [2, 3]]);
    expect(alerts.map(at)).toEqual(['firing at +0 min']);
    expect(alerts[0]).toMatchObject({ rule: 'pump_odd', sensor: 'pump_pressure', previous: 'inactive', detector: 'anomaly', since: FAULT });
    expect(alerts[0]!.message).toMatch(/^pump_pressure below normal at (2\.9|3)/);
  }, 60_000);

  it('resolves, with no resolution, once the readings are back inside the band they kept before the fault', async () => {
    const alerts = await replay('return', '{}', [[2, 4], [1, 3], [1, 4]]);
    expect(alerts).toHaveLength(2);
    expect(at(alerts[0])).toBe('firing at +0 min');
    const resolved = alerts[1]!;
    expect(resolved).toMatchObject({ state: 'resolved', previous: 'firing', since: FAULT, message: expect.stringMatching(/^pump_pressure back to normal: (3\.9|4)/) });
    expect(resolved.resolution).toBeUndefined();
    // `hold` (100 readings) after the last odd one: the step back is an unusual pattern for up to `pattern` (12).
    const back = FAULT + DAY;
    expect(resolved.timestamp).toBeGreaterThan(back);
    expect(resolved.timestamp - back).toBeLessThanOrEqual((100 + 12 + 1) * MINUTE);
  }, 60_000);

  it('with learn_new_normal_after: 6h, resolves as the new normal six hours of recording after firing, and stays quiet on the level', async () => {
    const alerts = await replay('new-normal', '{ learn_new_normal_after: 6h }', [[2, 4], [2, 3]]);
    expect(alerts.map(at)).toEqual(['firing at +0 min', `resolved (new normal) at +${6 * 60} min`]);
    expect(alerts[1]).toMatchObject({ previous: 'firing', resolution: 'new normal', since: FAULT, timestamp: FAULT + 6 * HOUR });
    expect(alerts[1]!.message).toMatch(/^pump_pressure at (2\.9\d*|3(\.0\d*)?) taken as the new normal$/);
  }, 60_000);
});
