import { describe, expect, it } from 'vitest';
import { RollingWindow } from './rolling-window.js';

function sampleDeviation(values: number[]): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
}

describe('RollingWindow', () => {
  it('keeps the spread of small values exact after a huge outlier has left the window', () => {
    const window = new RollingWindow({ readings: 4 });
    const small = [0.1, 0.2, 0.4, 0.3, 0.25, 0.15];
    window.push(0, 3e8);
    small.forEach((value, index) => window.push(index + 1, value));
    expect(window.standardDeviation).toBeCloseTo(sampleDeviation(small.slice(-4)), 12);
    expect(window.mean).toBeCloseTo(0.275, 12);
  });

  it('keeps the spread exact when the first value ever seen was far from all that followed', () => {
    const window = new RollingWindow({ readings: 3 });
    window.push(0, -7e7);
    for (let index = 1; index <= 10; index++) window.push(index, 1 + index / 1000);
    expect(window.standardDeviation).toBeCloseTo(sampleDeviation([1.008, 1.009, 1.01]), 12);
  });
});
