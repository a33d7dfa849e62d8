import { describe, expect, it } from 'vitest';
import { compileTopicMatcher } from './topic-matcher.js';

describe('source topic templates', () => {
  it('name the sensor by {sensor} and turn other placeholders into tags', () => {
    const matcher = compileTopicMatcher('sensors/{room}/{sensor}');
    expect(matcher.filter).toBe('sensors/+/+');
    expect(matcher.match('sensors/kitchen/temperature')).toEqual({ sensor: 'temperature', tags: { room: 'kitchen' } });
  });

  it('join several {sensor} levels with / in order', () => {
    const matcher = compileTopicMatcher('{sensor}/{site}/{sensor}/value');
    expect(matcher.filter).toBe('+/+/+/value');
    expect(matcher.match('boiler/farm/flow/value')).toEqual({ sensor: 'boiler/flow', tags: { site: 'farm' } });
  });

  it('require literal levels to match exactly, and the same number of levels', () => {
    const matcher = compileTopicMatcher('sensors/{room}/{sensor}');
    for (const topic of ['Sensors/kitchen/t', 'sensors/kitchen', 'sensors/kitchen/t/x', 'other/kitchen/t', '/sensors/kitchen/t']) {
      expect(matcher.match(topic), topic).toBeUndefined();
    }
  });

  it('skip a + level, and append the levels matched by a final # to the sensor name', () => {
    const matcher = compileTopicMatcher('site/+/{room}/#');
    expect(matcher.filter).toBe('site/+/+/#');
    expect(matcher.match('site/a/kitchen/fridge/temperature')).toEqual({ sensor: 'fridge/temperature', tags: { room: 'kitchen' } });
    // # matches no level too, but a reading needs a name.
    expect(matcher.match('site/a/kitchen')).toBeUndefined();
  });

  it('leave the sensor name to the caller when the template has neither {sensor} nor #', () => {
    const matcher = compileTopicMatcher('tele/{device}/SENSOR');
    expect(matcher.filter).toBe('tele/+/SENSOR');
    expect(matcher.match('tele/plug/SENSOR')).toEqual({ sensor: undefined, tags: { device: 'plug' } });
  });

  it('reject templates it cannot read, saying why', () => {
    const cases: [string, string][] = [
      ['', 'is empty'],
      ['a/#/b', '# may only be the last level'],
      ['a/{}', '{} is not a placeholder'],
      ['a/{room name}', '{room name} is not a placeholder'],
      ['a/{room}/{room}', '{room} appears twice'],
      ['a/x{room}', 'mixes text with'],
      ['a/b+', 'mixes text with'],
    ];
    for (const [template, message] of cases) expect(() => compileTopicMatcher(template), template).toThrow(message);
  });
});
