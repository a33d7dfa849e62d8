import { describe, expect, it } from 'vitest';
import { MadDetector } from './mad.js';
import { ZScoreDetector } from './zscore.js';

/** A deterministic wobble around 20 (standard deviation about 0.7). */
const wobble = (index: number) => 20 + Math.sin(index * 1.7) + 0.3 * Math.cos(index * 0.37);

describe('rolling z-score detector', () => {
  it('fires on a reading far from the window mean, judged before it joins the window', () => {
    const detector = new ZScoreDetector({ threshold: 3, window: { readings: 50 }, min_readings: 10 });
    for (let index = 0; index < 60; index++) expect(detector.update(index * 1000, wobble(index)).active).toBe(false);
    const verdict = detector.update(60_000, 30);
    expect(verdict).toMatchObject({ active: true, reason: 'above' });
    expect(verdict.score).toBeGreaterThan(3);
  });

  it('keeps its verdict for itself until min_readings, and honours direction', () => {
    const detector = new ZScoreDetector({ threshold: 3, window: { readings: 50 }, min_readings: 10, direction: 'above' });
    expect(detector.update(0, 1).reason).toBe('learning');
    for (let index = 1; index < 30; index++) detector.update(index * 1000, wobble(index));
    expect(detector.update(30_000, 0).active).toBe(false);
  });

  it('forgets readings older than a time window', () => {
    const detector = new ZScoreDetector({ threshold: 3, window: { duration: 10_000 }, min_readings: 5 });
    for (let index = 0; index < 20; index++) detector.update(index * 1000, 100 + (index % 2));
    // Everything before 35 s has aged out, so a level of 0 is judged against recent zeros only.
    for (let index = 0; index < 20; index++) detector.update(35_000 + index * 1000, index % 2);
    expect(detector.update(55_000, 0.5).active).toBe(false);
  });
});

describe('robust (median and MAD) z-score detector', () => {
  it('is not blinded by earlier outliers the way mean and standard deviation are', () => {
    const robust = new MadDetector({ threshold: 3.5, window: { readings: 60 }, min_readings: 10 });
    const plain = new ZScoreDetector({ threshold: 3.5, window: { readings: 60 }, min_readings: 10 });
    for (let index = 0; index < 60; index++) {
      const value = index % 10 === 5 ? 60 : wobble(index);
      robust.update(index * 1000, value);
      plain.update(index * 1000, value);
    }
    expect(robust.update(60_000, 26).active).toBe(true);
    expect(plain.update(60_000, 26).active).toBe(false);
  });

  it('uses min_spread when the sensor repeats one value', () => {
    const detector = new MadDetector({ threshold: 3, window: { readings: 20 }, min_readings: 5, min_spread: 0.5 });
    for (let index = 0; index < 20; index++) detector.update(index, 21);
    expect(detector.update(20, 22).active).toBe(false);
    expect(detector.update(21, 23).active).toBe(true);
  });
});
