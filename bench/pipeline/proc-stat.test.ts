import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuSecondsPerMillion, cpuTicksOfStat, rssBytesOfStatus } from './proc-stat.js';

// A real line's shape: utime (14th field) 1234, stime (15th) 567; children's times (16th, 17th) must not count.
const STAT = '4242 (node) S 1 4242 4242 0 -1 4194560 25813 0 0 0 1234 567 89 10 20 0 11 0 12345 1180000000 23456 18446744073709551615';

describe('/proc stat parsing', () => {
  it('adds user and system ticks of the process, not of its children', () => {
    expect(cpuTicksOfStat(STAT)).toBe(1_801);
  });

  it('reads the fields after a command name holding spaces and parentheses', () => {
    expect(cpuTicksOfStat(STAT.replace('(node)', '(MainThread) (x)'))).toBe(1_801);
  });

  it('reads this very process', () => {
    expect(cpuTicksOfStat(readFileSync('/proc/self/stat', 'utf8'))).toBeGreaterThanOrEqual(0);
    expect(rssBytesOfStatus(readFileSync('/proc/self/status', 'utf8'))).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('takes RSS from VmRSS in kB', () => {
    expect(rssBytesOfStatus('Name:\tnode\nVmHWM:\t  99999 kB\nVmRSS:\t   70000 kB\n')).toBe(70_000 * 1024);
  });

  it('turns ticks into CPU-seconds per million readings', () => {
    // 300 ticks at 100 per second = 3 s for 1.5 M readings = 2 s per million.
    expect(cpuSecondsPerMillion(1_000, 1_300, 100, 1_500_000)).toBeCloseTo(2);
    expect(cpuSecondsPerMillion(0, 10, 100, 0)).toBeNaN();
  });

  it('fails on text that is not a stat line', () => {
    expect(() => cpuTicksOfStat('garbage')).toThrow(/not a \/proc/);
  });
});
