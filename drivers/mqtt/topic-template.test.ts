import { describe, expect, it } from 'vitest';
import type { WindowResult } from '../../rules/rule-result.js';
import { compileTopicTemplate } from './topic-template.js';

const RESULT: WindowResult = {
  kind: 'window',
  rule: 'greenhouse-10s',
  source: 'sim',
  sensor: 'greenhouse/temperature',
  tags: { room: 'north', 'device-id': 'pi4' },
  start: 0,
  end: 10_000,
  values: { mean: 21.5 },
};

function topic(template: string, result: Partial<WindowResult> = {}): string {
  return compileTopicTemplate(template)({ ...RESULT, ...result });
}

describe('compileTopicTemplate', () => {
  it('fills in rule and sensor in the default template, keeping the levels of the sensor name', () => {
    expect(topic('tributary/{rule}/{sensor}')).toBe('tributary/greenhouse-10s/greenhouse/temperature');
  });

  it('fills in the source', () => {
    expect(topic('site/{source}/{sensor}')).toBe('site/sim/greenhouse/temperature');
  });

  it('fills in a tag with {tags.<name>}', () => {
    expect(topic('farm/{tags.room}/{tags.device-id}/{rule}')).toBe('farm/north/pi4/greenhouse-10s');
  });

  it('puts _ for a tag the result does not carry, so the topic keeps its levels', () => {
    expect(topic('farm/{tags.zone}/{sensor}')).toBe('farm/_/greenhouse/temperature');
    expect(topic('farm/{tags.constructor}/x')).toBe('farm/_/x');
  });

  it('fills in a placeholder that appears more than once, and placeholders next to each other', () => {
    expect(topic('{rule}/{rule}')).toBe('greenhouse-10s/greenhouse-10s');
    expect(topic('{source}{sensor}')).toBe('simgreenhouse/temperature');
  });

  it('leaves a template without placeholders as it is', () => {
    expect(topic('tributary/results')).toBe('tributary/results');
  });

  it('builds each topic from its own result', () => {
    const topicFor = compileTopicTemplate('t/{sensor}');
    expect(topicFor(RESULT)).toBe('t/greenhouse/temperature');
    expect(topicFor({ ...RESULT, sensor: 'barn/humidity' })).toBe('t/barn/humidity');
  });

  it('replaces the MQTT wildcards + and # in filled-in names, since no topic may be published with them', () => {
    expect(topic('t/{sensor}/{tags.room}', { sensor: 'room#1/temp+', tags: { room: 'a+b#' } })).toBe('t/room_1/temp_/a_b_');
  });

  it('refuses a placeholder it does not know, naming the ones it does', () => {
    expect(() => compileTopicTemplate('tributary/{rule}/{sensr}')).toThrow(
      'topic template "tributary/{rule}/{sensr}": unknown placeholder {sensr}; use {rule}, {source}, {sensor} or {tags.<name>}',
    );
  });

  it('keeps braces that hold no placeholder as literal text', () => {
    expect(topic('a/{}/{rule')).toBe('a/{}/{rule');
  });
});
