import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/helpers/temp-dir.js';
import { NO_DELAYS } from '../../rules/anomaly/alert-lifecycle.js';
import { DEFAULT_CANDIDATE, loadCandidates } from './candidate-configurations.js';

const dir = await makeTempDir('nab-candidates');
afterAll(() => dir.remove());

function candidatesFile(content: unknown): string {
  const file = join(dir.path, 'candidates.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('cross-validation candidates file', () => {
  it('ships today\'s default (anomaly: {} with no lifecycle delays) among a few variants', () => {
    const candidates = loadCandidates(fileURLToPath(new URL('candidates.json', import.meta.url)));
    expect(candidates[0]).toEqual({ name: DEFAULT_CANDIDATE, detector: { kind: 'anomaly' }, lifecycle: NO_DELAYS });
    expect(candidates.length).toBeGreaterThan(1);
    expect(candidates.length).toBeLessThanOrEqual(10);
  });

  it('names the candidate and what is wrong with it: an unknown detector, a bad option, a bad lifecycle, a repeated name', () => {
    expect(() => loadCandidates(candidatesFile([{ name: 'x', detector: { kind: 'oracle' } }]))).toThrow(/candidate "x": unknown detector "oracle"/);
    expect(() => loadCandidates(candidatesFile([{ name: 'tiny', detector: { kind: 'anomaly', min_readings: 5 } }]))).toThrow(
      /candidate "tiny": anomaly: min_readings must be at least 10/,
    );
    expect(() => loadCandidates(candidatesFile([{ name: 'late', detector: { kind: 'anomaly' }, lifecycle: { for: 0, keep_firing_for: 0 } }]))).toThrow(
      /at 0\.lifecycle\.cooldown/,
    );
    const twice = { name: 'same', detector: { kind: 'anomaly' } };
    expect(() => loadCandidates(candidatesFile([twice, twice]))).toThrow(/candidate 1 repeats the name "same"/);
  });
});
