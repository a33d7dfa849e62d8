import type { Reading } from '../reading.js';

// Readings are immutable: a step that changes one makes a copy. Literal objects with the same key order keep
// every reading the same shape for V8.

/** The reading with another value. */
export function withValue(reading: Reading, value: number): Reading {
  return { source: reading.source, sensor: reading.sensor, value, timestamp: reading.timestamp, tags: reading.tags };
}

/** The reading with another value and timestamp (a step emitting on its own: heartbeat, debounce …). */
export function withValueAt(reading: Reading, value: number, timestamp: number): Reading {
  return { source: reading.source, sensor: reading.sensor, value, timestamp, tags: reading.tags };
}
