import { describe, expect, it } from 'vitest';
import { AnomalyDetector } from './anomaly.js';
import { seededNoise } from '../../test/helpers/seeded-noise.js';

const MINUTE = 60_000;


/** A greenhouse-like temperature: a daily swing of ±3 °C around 21 plus sensor noise, one reading a minute. */
function temperature(minute: number, random: () => number): number {
  return 21 + 3 * Math.sin((2 * Math.PI * minute) / 1440) + 0.2 * random();
}

/** Feeds readings from `from` to `to` minutes; returns the minutes at which the detector turned active, with why. */
function run(detector: AnomalyDetector, from: number, to: number, value: (minute: number) => number): string[] {
  const onsets: string[] = [];
  let wasActive = false;
  for (let minute = from; minute < to; minute++) {
    const verdict = detector.update(minute * MINUTE, value(minute));
    if (verdict.active && !wasActive) onsets.push(`${minute}:${verdict.reason}`);
    wasActive = verdict.active;
  }
  return onsets;
}

describe('default anomaly detector (anomaly: {})', () => {
  it('stays quiet on three days of an ordinary daily cycle with noise', () => {
    const random = seededNoise(1);
    expect(run(new AnomalyDetector(), 0, 3 * 1440, (minute) => temperature(minute, random))).toEqual([]);
  });

  it('learns before it judges', () => {
    const detector = new AnomalyDetector();
    expect(detector.update(0, 20).reason).toBe('learning');
  });

  it('fires once on a spike far outside anything seen, and settles afterwards', () => {
    const random = seededNoise(2);
    const detector = new AnomalyDetector();
    run(detector, 0, 2 * 1440, (minute) => temperature(minute, random));
    const onsets = run(detector, 2 * 1440, 3 * 1440, (minute) => (minute === 2 * 1440 + 100 ? 45 : temperature(minute, random)));
    expect(onsets).toEqual([`${2 * 1440 + 100}:above normal`]);
  });

  it('catches a sensor that gets stuck at its last value', () => {
    const random = seededNoise(3);
    const detector = new AnomalyDetector();
    run(detector, 0, 2 * 1440, (minute) => temperature(minute, random));
    const onsets = run(detector, 2 * 1440, 2 * 1440 + 600, () => 22.37);
    expect(onsets).toHaveLength(1);
    expect(onsets[0]).toMatch(/:(stuck|unusual pattern)$/);
  });

  it('notices a change of shape inside the normal range: noise on a signal that was smooth', () => {
    const random = seededNoise(4);
    const detector = new AnomalyDetector();
    run(detector, 0, 2 * 1440, (minute) => temperature(minute, random));
    const onsets = run(detector, 2 * 1440, 2 * 1440 + 300, (minute) => 21 + 2.5 * Math.sign(Math.sin(minute)));
    expect(onsets.length).toBeGreaterThanOrEqual(1);
    expect(onsets[0]).toMatch(new RegExp(`^${2 * 1440}:|^${2 * 1440 + 1}:|^${2 * 1440 + 2}:`));
  });

  it('sees a slow change of shape on the coarse scale: a day whose warm half never comes', () => {
    const onsetsWith = (coarse: number) => {
      const random = seededNoise(8);
      const detector = new AnomalyDetector({ coarse });
      run(detector, 0, 3 * 1440, (minute) => temperature(minute, random));
      // Day 4: the night-time half of the cycle as usual, but the warm half stays at the daily mean.
      return run(detector, 3 * 1440, 4 * 1440, (minute) => {
        const usual = temperature(minute, random);
        return usual > 21 ? 21 + 0.2 * random() : usual;
      });
    };
    const withCoarse = onsetsWith(24);
    const withoutCoarse = onsetsWith(0);
    expect(withCoarse[0]).toMatch(/:unusual pattern$/);
    expect(Number.parseInt(withCoarse[0]!, 10)).toBeLessThan(3 * 1440 + 120);
    // Raw readings alone see nothing odd while the warm half is missing: each stretch looks like a calm night.
    expect(withoutCoarse.filter((onset) => Number.parseInt(onset, 10) < 3 * 1440 + 720)).toEqual([]);
  });

  it('takes a new maximum by a hair for normal, unless range_margin is 0, and still fires well beyond the range', () => {
    // Two levels a day, as a heater that is on for a third of the time: far from the median is ordinary here.
    const onsetsWith = (range_margin: number, odd: (highest: number) => number) => {
      const random = seededNoise(9);
      const detector = new AnomalyDetector({ range_margin });
      let highest = Number.NEGATIVE_INFINITY;
      const plateau = (minute: number) => (minute % 300 < 200 ? 20 : 80) + 0.2 * random();
      run(detector, 0, 3000, (minute) => {
        const value = plateau(minute);
        highest = Math.max(highest, value);
        return value;
      });
      const onsets = run(detector, 3000, 3300, (minute) => (minute === 3250 ? odd(highest) : plateau(minute)));
      return onsets.filter((onset) => onset.endsWith('normal'));
    };
    const byAHair = (highest: number) => highest + 0.3;
    expect(onsetsWith(0, byAHair)).toEqual(['3250:above normal']);
    expect(onsetsWith(1, byAHair)).toEqual([]);
    expect(onsetsWith(1, () => 120)).toEqual(['3250:above normal']);
  });

  it('reports silence much longer than the usual interval on tick, and nothing on tick otherwise', () => {
    const random = seededNoise(5);
    const detector = new AnomalyDetector();
    run(detector, 0, 1440, (minute) => temperature(minute, random));
    expect(detector.tick(1440 * MINUTE + 5 * MINUTE)).toBeUndefined();
    expect(detector.tick(1440 * MINUTE + 60 * MINUTE)).toMatchObject({ active: true, reason: 'missing' });
  });

  it('works the same at any scale: kelvin-sized offsets and tiny units', () => {
    for (const [offset, scale] of [[1e6, 1], [0, 1e-6]] as const) {
      const random = seededNoise(6);
      const detector = new AnomalyDetector();
      const quiet = run(detector, 0, 2 * 1440, (minute) => offset + scale * temperature(minute, random));
      expect(quiet).toEqual([]);
      const spike = run(detector, 2 * 1440, 2 * 1440 + 10, (minute) => offset + scale * (minute === 2 * 1440 + 5 ? 60 : temperature(minute, random)));
      expect(spike).toEqual([`${2 * 1440 + 5}:above normal`]);
    }
  });
});

describe('anomaly options', () => {
  it('takes fill_range in [0, 1) and names it otherwise', () => {
    expect(() => new AnomalyDetector({ fill_range: 0 })).not.toThrow();
    expect(() => new AnomalyDetector({ fill_range: 1 })).toThrow(/fill_range must be at least 0 and below 1, got 1/);
    expect(() => new AnomalyDetector({ fill_range: -0.5 })).toThrow(/fill_range/);
  });
});

describe('bad readings', () => {
  it('ignores NaN and infinities without learning from them, in every statistical detector', async () => {
    const { createDetector } = await import('./detector-spec.js');
    const specs = [
      { kind: 'anomaly' },
      { kind: 'zscore', threshold: 3, window: { readings: 20 }, min_readings: 5 },
      { kind: 'mad', threshold: 3, window: { readings: 20 }, min_readings: 5 },
      { kind: 'ewma', lambda: 0.2, limit: 3, warmup: 5, baseline_alpha: 0 },
      { kind: 'cusum', k: 0.5, h: 5, warmup: 5, baseline_alpha: 0 },
      { kind: 'rate', above: 1, per: 'second', span: 10_000 },
      { kind: 'flatline', epsilon: 0, readings: 1000 },
    ] as const;
    for (const spec of specs) {
      const detector = createDetector(spec);
      const random = seededNoise(7);
      for (let minute = 0; minute < 300; minute++) detector.update(minute * MINUTE, 20 + 0.2 * random());
      expect(detector.update(300 * MINUTE, Number.NaN).reason).toBe('ignored: not a finite number');
      expect(detector.update(301 * MINUTE, Number.POSITIVE_INFINITY).active).toBe(false);
      const next = detector.update(302 * MINUTE, 20 + 0.2 * random());
      expect({ kind: spec.kind, active: next.active, finite: Number.isFinite(next.score) }).toEqual({ kind: spec.kind, active: false, finite: true });
    }
  });
});
