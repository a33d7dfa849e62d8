import { z } from 'zod';
import type { Reading } from '../reading.js';
import { didYouMeanSuffix } from '../did-you-mean.js';
import { PerSensor } from './per-sensor.js';
import { defineTransform } from './transform-definition.js';

type Part = string | ((reading: Reading) => string);

const PLACEHOLDERS = ['sensor', 'source', 'tags.<name>'];

/** Splits `{sensor}_calibrated` into literal text and placeholders; throws a sentence when the template is wrong. */
export function parseNameTemplate(template: string): Part[] {
  const parts: Part[] = [];
  const pattern = /\{([^{}]*)\}|[{}]/g;
  let last = 0;
  for (let match = pattern.exec(template); match; match = pattern.exec(template)) {
    if (match.index > last) parts.push(template.slice(last, match.index));
    last = pattern.lastIndex;
    const inner = match[1];
    if (inner === undefined) throw new Error(`unmatched "${match[0]}" at character ${match.index}`);
    const name = inner.trim();
    if (name === 'sensor') parts.push((r) => r.sensor);
    else if (name === 'source') parts.push((r) => r.source);
    else if (name.startsWith('tags.') && name.length > 5) {
      const tag = name.slice(5);
      parts.push((r) => (Object.hasOwn(r.tags, tag) ? r.tags[tag]! : ''));
    } else {
      throw new Error(`unknown placeholder "{${inner}}"${didYouMeanSuffix(name, ['sensor', 'source'])}; use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`);
    }
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

export const renameSchema = z
  .string({ error: 'expected a sensor name, e.g. "{sensor}_calibrated"' })
  .min(1, { error: 'the new sensor name must not be empty' })
  .superRefine((template, context) => {
    try {
      parseNameTemplate(template);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

/**
 * `rename: "{sensor}_calibrated"` — a new sensor name from {sensor}, {source} and {tags.<name>} (a missing tag gives
 * empty text). Names that depend on the sensor and source only are built once per sensor and cached.
 */
export const rename = defineTransform(renameSchema, (template) => {
  const parts = parseNameTemplate(template);
  const build = (reading: Reading) => {
    let name = '';
    for (const part of parts) name += typeof part === 'string' ? part : part(reading);
    return name;
  };
  const rebuilt = (reading: Reading, sensor: string): Reading =>
    sensor === reading.sensor
      ? reading
      : { source: reading.source, sensor, value: reading.value, timestamp: reading.timestamp, tags: reading.tags };
  if (/\{\s*tags\./.test(template)) return { apply: (reading) => rebuilt(reading, build(reading)) };
  const names = new PerSensor(build);
  return { apply: (reading, now) => rebuilt(reading, names.of(reading, now)), sensors: names };
});
