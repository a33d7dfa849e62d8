import type { Detector } from './detector.js';
import type { DetectorDefinition } from './detector-definition.js';
import { DETECTORS, type DetectorName } from './detectors.js';

type SpecOf<D> = D extends DetectorDefinition<infer Name, infer Spec> ? { readonly kind: Name } & Spec : never;

/**
 * A validated detector spec: the YAML block under `alert:` with defaults filled in and durations in ms.
 * `kind` is the YAML key (`threshold: {…}` → `{ kind: 'threshold', … }`).
 */
export type DetectorSpec = SpecOf<(typeof DETECTORS)[number]>;

const BY_NAME = new Map<string, DetectorDefinition<DetectorName, never>>(DETECTORS.map((detector) => [detector.name, detector]));

/** A new detector for one sensor; throws an Error saying what is wrong when the spec does not hold together. */
export function createDetector(spec: DetectorSpec): Detector {
  const definition = BY_NAME.get(spec.kind);
  if (!definition) throw new Error(`unknown detector "${spec.kind}"`);
  return (definition.create as (spec: DetectorSpec) => Detector)(spec);
}
