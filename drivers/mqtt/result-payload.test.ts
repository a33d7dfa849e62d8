import { describe, expect, it } from 'vitest';
import { encodeResultPayload } from './result-payload.js';

describe('encodeResultPayload', () => {
  it('publishes a flat JSON object: identity, window bounds, each aggregate and seq', () => {
    const payload = encodeResultPayload({
      seq: 42,
      result: {
        kind: 'window',
        rule: 'r',
        source: 'sim',
        sensor: 'greenhouse/temperature',
        tags: { room: 'north' },
        start: 1_714_564_800_000,
        end: 1_714_564_810_000,
        values: { count: 10, mean: 21.5, min: 20, max: 23 },
      },
    });
    expect(JSON.parse(payload)).toEqual({
      rule: 'r',
      source: 'sim',
      sensor: 'greenhouse/temperature',
      tags: { room: 'north' },
      start: 1_714_564_800_000,
      end: 1_714_564_810_000,
      count: 10,
      mean: 21.5,
      min: 20,
      max: 23,
      seq: 42,
    });
  });

  it('keeps the order of fields: identity, bounds, aggregates in the rule’s order, then seq', () => {
    const payload = encodeResultPayload({
      seq: 1,
      result: { kind: 'window', rule: 'r', source: 's', sensor: 'x', tags: {}, start: 0, end: 1, values: { max: 2, count: 1 } },
    });
    expect(Object.keys(JSON.parse(payload) as object)).toEqual(['rule', 'source', 'sensor', 'tags', 'start', 'end', 'max', 'count', 'seq']);
  });

  it('leaves out the kind, which every consumer of this topic already knows', () => {
    const payload = encodeResultPayload({
      seq: 1,
      result: { kind: 'window', rule: 'r', source: 's', sensor: 'x', tags: {}, start: 0, end: 1, values: {} },
    });
    expect(JSON.parse(payload)).not.toHaveProperty('kind');
  });

  it('adds the revision, before seq, when a late reading updated the window', () => {
    const payload = encodeResultPayload({
      seq: 9,
      result: { kind: 'window', rule: 'r', source: 's', sensor: 'x', tags: {}, start: 0, end: 1, values: { count: 3 }, revision: 2 },
    });
    expect(Object.keys(JSON.parse(payload) as object)).toEqual(['rule', 'source', 'sensor', 'tags', 'start', 'end', 'count', 'revision', 'seq']);
    expect(JSON.parse(payload)).toMatchObject({ count: 3, revision: 2, seq: 9 });
  });

  it('publishes a reading passed on without a window as its timestamp and value', () => {
    const payload = encodeResultPayload({
      seq: 5,
      result: { kind: 'reading', rule: 'r', source: 's', sensor: 'x', tags: { room: 'a' }, timestamp: 1_714_564_800_000, value: 21.5 },
    });
    expect(JSON.parse(payload)).toEqual({ rule: 'r', source: 's', sensor: 'x', tags: { room: 'a' }, timestamp: 1_714_564_800_000, value: 21.5, seq: 5 });
  });

  it('publishes an alert transition with its fields in a fixed order, and null for the value of missing data', () => {
    const alert = {
      kind: 'alert' as const,
      rule: 'too_hot',
      source: 's',
      sensor: 'x',
      tags: { room: 'a' },
      timestamp: 1_714_564_800_000,
      state: 'firing' as const,
      previous: 'pending' as const,
      detector: 'threshold',
      severity: 'critical' as const,
      value: 31.5,
      message: 'x above 30',
      since: 1_714_564_700_000,
    };
    const payload = JSON.parse(encodeResultPayload({ seq: 7, id: 'abc', result: alert })) as Record<string, unknown>;
    expect(Object.keys(payload)).toEqual([
      'rule', 'source', 'sensor', 'tags', 'timestamp', 'state', 'previous', 'severity', 'detector', 'value', 'message', 'since', 'seq', 'id',
    ]);
    expect(payload).toMatchObject({ state: 'firing', previous: 'pending', severity: 'critical', value: 31.5, seq: 7, id: 'abc' });

    const missing = JSON.parse(encodeResultPayload({ seq: 8, result: { ...alert, detector: 'missing', value: Number.NaN, labels: { team: 'ops' } } }));
    expect(missing).toMatchObject({ value: null, labels: { team: 'ops' } });
  });
});
