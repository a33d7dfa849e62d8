import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import type { Reading, Tags } from '../../rules/reading.js';
import { NO_TAGS } from '../../rules/reading.js';
import { parseTimestamp } from './parse-timestamp.js';

export interface RecordingOptions {
  /** Source name given to every reading (JSON lines may name their own). */
  readonly source: string;
  /** Sensor name for a CSV without a sensor column; default: the file name without extension. */
  readonly sensor?: string;
  readonly timestampColumn: string;
  /** CSV column holding the sensor name, if any. */
  readonly sensorColumn?: string;
  /** CSV column holding the value; default `value` if there is one, else every other numeric column. */
  readonly valueColumn?: string;
}

/** A line of the recording that could not be used, for the report at the end. */
export interface RejectedLine {
  readonly line: number;
  readonly reason: string;
}

/**
 * Reads a recording (CSV with a header, or JSON lines) as readings, streaming so large files need little memory.
 * Unusable lines are passed to `reject` and skipped.
 */
export async function* readRecording(file: string, options: RecordingOptions, reject: (rejected: RejectedLine) => void): AsyncGenerator<Reading> {
  if (extname(file).toLowerCase() === '.jsonl' || extname(file).toLowerCase() === '.ndjson') {
    yield* readJsonLines(file, options, reject);
  } else {
    yield* readCsv(file, options, reject);
  }
}

async function* readCsv(file: string, options: RecordingOptions, reject: (rejected: RejectedLine) => void): AsyncGenerator<Reading> {
  const parser = createReadStream(file).pipe(parse({ columns: true, skip_empty_lines: true, trim: true, relax_column_count: true }));
  const fallbackSensor = options.sensor ?? basename(file, extname(file));
  let line = 1;
  let valueColumns: string[] | undefined;
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    line += 1;
    if (!valueColumns) {
      const columns = Object.keys(record);
      if (!columns.includes(options.timestampColumn)) {
        throw new Error(`${file}: no column "${options.timestampColumn}" (columns: ${columns.join(', ')}); use --timestamp-column`);
      }
      valueColumns = options.valueColumn
        ? [options.valueColumn]
        : columns.includes('value')
          ? ['value']
          : columns.filter((column) => column !== options.timestampColumn && column !== options.sensorColumn);
    }
    const timestamp = parseTimestamp(record[options.timestampColumn] ?? '');
    if (timestamp === undefined) {
      reject({ line, reason: `not a timestamp: ${JSON.stringify(record[options.timestampColumn])}` });
      continue;
    }
    const sensorBase = options.sensorColumn ? record[options.sensorColumn] : fallbackSensor;
    if (!sensorBase) {
      reject({ line, reason: `no sensor name in column "${options.sensorColumn}"` });
      continue;
    }
    for (const column of valueColumns) {
      const text = record[column];
      const value = text === undefined || text === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(value)) {
        reject({ line, reason: `column "${column}" is not a number: ${JSON.stringify(text)}` });
        continue;
      }
      const sensor = valueColumns.length === 1 ? sensorBase : `${sensorBase}/${column}`;
      yield { source: options.source, sensor, value, timestamp, tags: NO_TAGS };
    }
  }
}

async function* readJsonLines(file: string, options: RecordingOptions, reject: (rejected: RejectedLine) => void): AsyncGenerator<Reading> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      reject({ line, reason: `invalid JSON: ${(error as Error).message}` });
      continue;
    }
    const record = parsed as Record<string, unknown>;
    const timestamp = typeof record.timestamp === 'number' ? record.timestamp : parseTimestamp(String(record.timestamp ?? ''));
    const value = record.value;
    const sensor = typeof record.sensor === 'string' ? record.sensor : options.sensor;
    if (timestamp === undefined || !Number.isFinite(timestamp)) {
      reject({ line, reason: 'missing or unreadable "timestamp"' });
    } else if (typeof value !== 'number' || !Number.isFinite(value)) {
      reject({ line, reason: '"value" is not a finite number' });
    } else if (!sensor) {
      reject({ line, reason: 'no "sensor" (and no --sensor given)' });
    } else {
      const source = typeof record.source === 'string' ? record.source : options.source;
      const tags = record.tags !== null && typeof record.tags === 'object' ? (record.tags as Tags) : NO_TAGS;
      yield { source, sensor, value, timestamp, tags };
    }
  }
}
