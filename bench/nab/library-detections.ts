import type { LifecycleSpec } from '../../rules/anomaly/alert-lifecycle.js';
import { AlertTracker } from '../../rules/anomaly/alert-tracker.js';
import type { DetectorSpec } from '../../rules/anomaly/detector-spec.js';
import type { NabSeries } from './nab-data.js';

/** Row indices at which the alert for this series went to firing, run through the engine's own `AlertTracker`. */
export function libraryDetections(series: NabSeries, detector: DetectorSpec, lifecycle: LifecycleSpec): number[] {
  const tracker = new AlertTracker({ rule: 'nab', detector, lifecycle, severity: 'warning' });
  const detections: number[] = [];
  const sensor = series.name;
  series.timestamps.forEach((timestamp, row) => {
    // The clock ticks just before each reading arrives, as the agent's would, so silence can be noticed.
    const ticked = tracker.tick(timestamp);
    const result = tracker.observe({ source: 'nab', sensor, value: series.values[row]!, timestamp, tags: {} });
    if (ticked.some((alert) => alert.state === 'firing') || result?.state === 'firing') detections.push(row);
  });
  return detections;
}
