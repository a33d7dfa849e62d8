import { z } from 'zod';
import type { Tags } from '../reading.js';
import { defineTransform } from './transform-definition.js';

export const setTagsSchema = z
  .record(
    z.string().min(1, { error: 'a tag name must not be empty' }),
    z.union([z.string(), z.number(), z.boolean()], { error: 'expected a tag value (text, a number or true/false)' }),
    { error: 'expected a mapping of tag names to values, e.g. { room: north }' },
  )
  .refine((tags) => Object.keys(tags).length > 0, { error: 'give at least one tag, e.g. { room: north }' })
  .transform((tags) => Object.fromEntries(Object.entries(tags).map(([name, value]) => [name, String(value)])));

/**
 * `set_tags: { room: north }` — adds or overwrites tags. The merged tags are frozen and cached per incoming tags
 * object (sources reuse one tags object per sensor), so a steady stream of readings allocates no tag objects; a
 * reading that already carries every tag with these values passes unchanged.
 */
export const setTags = defineTransform(setTagsSchema, (added) => {
  const names = Object.keys(added);
  const merged = new WeakMap<Tags, Tags>();
  const merge = (tags: Tags): Tags => {
    let result = merged.get(tags);
    if (!result) {
      result = names.every((name) => Object.hasOwn(tags, name) && tags[name] === added[name]) ? tags : Object.freeze({ ...tags, ...added });
      merged.set(tags, result);
    }
    return result;
  };
  return {
    apply: (reading) => {
      const tags = merge(reading.tags);
      return tags === reading.tags
        ? reading
        : { source: reading.source, sensor: reading.sensor, value: reading.value, timestamp: reading.timestamp, tags };
    },
  };
});
