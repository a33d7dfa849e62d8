import { describe, expect, it } from 'vitest';
import { compileSensorGlob } from './sensor-glob.js';

function matches(glob: string, sensor: string): boolean {
  return compileSensorGlob(glob)(sensor);
}

describe('compileSensorGlob', () => {
  it('matches a name without wildcards only exactly', () => {
    expect(matches('greenhouse/temperature', 'greenhouse/temperature')).toBe(true);
    expect(matches('greenhouse/temperature', 'greenhouse/temperature2')).toBe(false);
    expect(matches('greenhouse/temperature', 'x/greenhouse/temperature')).toBe(false);
    expect(matches('greenhouse/temperature', 'greenhouse')).toBe(false);
  });

  it('matches * within one level only', () => {
    expect(matches('greenhouse/*', 'greenhouse/temperature')).toBe(true);
    expect(matches('greenhouse/*', 'greenhouse/')).toBe(true);
    expect(matches('greenhouse/*', 'greenhouse/bed1/temperature')).toBe(false);
    expect(matches('greenhouse/*', 'greenhouse')).toBe(false);
    expect(matches('*/temperature', 'greenhouse/temperature')).toBe(true);
    expect(matches('*/temperature', 'a/b/temperature')).toBe(false);
    expect(matches('green*/temp*', 'greenhouse/temperature')).toBe(true);
  });

  it('matches ** across levels', () => {
    expect(matches('greenhouse/**', 'greenhouse/temperature')).toBe(true);
    expect(matches('greenhouse/**', 'greenhouse/bed1/soil/moisture')).toBe(true);
    expect(matches('greenhouse/**', 'barn/temperature')).toBe(false);
    expect(matches('**/temperature', 'a/b/c/temperature')).toBe(true);
    expect(matches('**/temperature', 'a/b/c/humidity')).toBe(false);
    expect(matches('a/**/z', 'a/b/c/z')).toBe(true);
  });

  it('matches every sensor with ** alone', () => {
    const all = compileSensorGlob('**');
    expect(all('x')).toBe(true);
    expect(all('a/b/c')).toBe(true);
    expect(all('')).toBe(true);
  });

  it('matches ? as exactly one character within a level', () => {
    expect(matches('bed?/temperature', 'bed1/temperature')).toBe(true);
    expect(matches('bed?/temperature', 'bed12/temperature')).toBe(false);
    expect(matches('bed?/temperature', 'bed/temperature')).toBe(false);
    expect(matches('a?b', 'a/b')).toBe(false);
  });

  it('takes regular-expression characters in names literally', () => {
    expect(matches('room.1/temp', 'room.1/temp')).toBe(true);
    expect(matches('room.1/temp', 'roomX1/temp')).toBe(false);
    expect(matches('a+b', 'a+b')).toBe(true);
    expect(matches('a+b', 'aab')).toBe(false);
    expect(matches('(x)|[y]', '(x)|[y]')).toBe(true);
    expect(matches('(x)|[y]', 'x')).toBe(false);
    expect(matches('$price^{2}', '$price^{2}')).toBe(true);
    expect(matches('c:\\temp', 'c:\\temp')).toBe(true);
  });

  it('matches the whole name, not a part of it', () => {
    expect(matches('temp', 'temperature')).toBe(false);
    expect(matches('*temp', 'greenhouse/temp')).toBe(false);
  });
});
