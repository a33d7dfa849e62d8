import { anomaly } from './anomaly.js';
import { cusum } from './cusum.js';
import { ewma } from './ewma.js';
import { flatline } from './flatline.js';
import { mad } from './mad.js';
import { missing } from './missing.js';
import { range } from './range.js';
import { rate } from './rate.js';
import { threshold } from './threshold.js';
import { zscore } from './zscore.js';

/**
 * Every detector an alert may name, in the order the docs list them: one line each. A detector's file holds its
 * options schema, docs line and factory (`defineDetector`); the config schema, JSON Schema and docs follow from here.
 */
export const DETECTORS = [
  threshold,
  rate,
  zscore,
  mad,
  ewma,
  cusum,
  flatline,
  range,
  missing,
  anomaly,
] as const;

export type DetectorName = (typeof DETECTORS)[number]['name'];

export const DETECTOR_NAMES: readonly DetectorName[] = DETECTORS.map((detector) => detector.name);
