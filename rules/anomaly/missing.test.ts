import { describe, expect, it } from 'vitest';
import { MissingDetector } from './missing.js';

describe('missing-data (deadman) detector', () => {
  it('fires on tick once nothing arrived for longer than after, and a reading clears it', () => {
    const detector = new MissingDetector({ after: 30_000 });
    expect(detector.tick(5_000)).toBeUndefined();
    detector.update(10_000, 1);
    expect(detector.tick(40_000)?.active).toBe(false);
    expect(detector.tick(40_001)).toMatchObject({ active: true, reason: 'missing', threshold: 30_000 });
    expect(detector.update(41_000, 2).active).toBe(false);
    expect(detector.tick(60_000)?.active).toBe(false);
  });
});
