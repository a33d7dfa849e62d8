import { type AnomalySpec, AnomalyDetector } from './anomaly.js';
import { CusumDetector, type CusumSpec } from './cusum.js';
import type { Detector } from './detector.js';
import { EwmaDetector, type EwmaSpec } from './ewma.js';
import { FlatlineDetector, type FlatlineSpec } from './flatline.js';
import { MadDetector, type MadSpec } from './mad.js';
import { MissingDetector, type MissingSpec } from './missing.js';
import { RangeDetector, type RangeSpec } from './range.js';
import { RateDetector, type RateSpec } from './rate.js';
import { ThresholdDetector, type ThresholdSpec } from './threshold.js';
import { ZScoreDetector, type ZScoreSpec } from './zscore.js';

/**
 * A validated detector spec: the YAML block under `alert:` with defaults filled in and durations in ms.
 * `kind` is the YAML key (`threshold: {…}` → `{ kind: 'threshold', … }`).
 */
export type DetectorSpec =
  | ({ readonly kind: 'threshold' } & ThresholdSpec)
  | ({ readonly kind: 'rate' } & RateSpec)
  | ({ readonly kind: 'zscore' } & ZScoreSpec)
  | ({ readonly kind: 'mad' } & MadSpec)
  | ({ readonly kind: 'ewma' } & EwmaSpec)
  | ({ readonly kind: 'cusum' } & CusumSpec)
  | ({ readonly kind: 'flatline' } & FlatlineSpec)
  | ({ readonly kind: 'range' } & RangeSpec)
  | ({ readonly kind: 'missing' } & MissingSpec)
  | ({ readonly kind: 'anomaly' } & Partial<AnomalySpec>);

/** A new detector for one sensor; throws an Error saying what is wrong when the spec does not hold together. */
export function createDetector(spec: DetectorSpec): Detector {
  switch (spec.kind) {
    case 'threshold':
      return new ThresholdDetector(spec);
    case 'rate':
      return new RateDetector(spec);
    case 'zscore':
      return new ZScoreDetector(spec);
    case 'mad':
      return new MadDetector(spec);
    case 'ewma':
      return new EwmaDetector(spec);
    case 'cusum':
      return new CusumDetector(spec);
    case 'flatline':
      return new FlatlineDetector(spec);
    case 'range':
      return new RangeDetector(spec);
    case 'missing':
      return new MissingDetector(spec);
    case 'anomaly':
      return new AnomalyDetector(spec);
  }
}
