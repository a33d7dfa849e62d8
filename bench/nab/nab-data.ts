import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabelledSeries } from './nab-scorer.js';

/** One NAB series on disk: its name (`folder/file.csv`), readings and labelled windows. */
export interface NabSeries extends LabelledSeries {
  readonly name: string;
  /** The folder part of the name (`realKnownCause`): NAB groups series by where they come from. */
  readonly folder: string;
  /** Each row's timestamp exactly as written in the CSV, so result files can repeat it. */
  readonly timestampTexts: readonly string[];
  readonly values: readonly number[];
}

/** Where to find a NAB-layout corpus: `<data>/<folder>/<name>.csv` for every series `windows` names. */
export interface NabLocation {
  readonly data: string;
  readonly windows: string;
}

/** Found from this file, so the bench behaves the same from any working directory. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The development subset kept beside the repository: `../shared/data/nab/` from the repository root. */
export const DEFAULT_NAB_DATA = join(REPOSITORY_ROOT, '../shared/data/nab/');

/** The location of a corpus in `data`, with NAB's `windows.json` inside it unless told otherwise. */
export function nabLocation(data = DEFAULT_NAB_DATA, windows?: string): NabLocation {
  return { data, windows: windows ?? join(data, 'windows.json') };
}

/**
 * A path given on the command line, resolved against the directory the user ran the command from: `npm run`
 * moves to the repository root but keeps that directory in INIT_CWD.
 */
export function userPath(path: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/** NAB timestamps (`2014-04-10 07:15:00[.000000]`) are UTC wall-clock times. */
export function parseNabTime(text: string): number {
  const ms = Date.parse(`${text.trim().replace(' ', 'T').replace(/(\.\d{3})\d*$/, '$1')}Z`);
  if (Number.isNaN(ms)) throw new Error(`not a NAB timestamp: ${text}`);
  return ms;
}

export function folderOf(name: string): string {
  const slash = name.lastIndexOf('/');
  return slash < 0 ? '' : name.slice(0, slash);
}

type WindowsFile = Record<string, [string, string][]>;

function readWindows(file: string): WindowsFile {
  if (!existsSync(file)) {
    throw new Error(`NAB labels: no windows file at ${file}; pass --windows <file> (in the NAB repository: labels/combined_windows.json)`);
  }
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`NAB labels: ${file} should hold an object mapping "<folder>/<name>.csv" to a list of [start, end] windows`);
  }
  for (const [name, windows] of Object.entries(parsed)) {
    const wellFormed =
      Array.isArray(windows) &&
      windows.every((window: unknown) => Array.isArray(window) && window.length === 2 && window.every((end) => typeof end === 'string'));
    if (!wellFormed) throw new Error(`NAB labels: ${file}: "${name}" should be a list of [start, end] timestamp pairs`);
  }
  return parsed as WindowsFile;
}

function readSeries(root: string, name: string, windows: [string, string][]): NabSeries {
  const file = join(root, name);
  const timestampTexts: string[] = [];
  const timestamps: number[] = [];
  const values: number[] = [];
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, index) => {
    // Line 1 is the header (`timestamp,value`).
    if (index === 0 || line.trim() === '') return;
    const [time, value] = line.split(',');
    const reading = Number(value);
    if (time === undefined || value === undefined || value.trim() === '' || !Number.isFinite(reading)) {
      throw new Error(`${file}:${index + 1}: expected "timestamp,value", got "${line}"`);
    }
    timestampTexts.push(time);
    timestamps.push(parseNabTime(time));
    values.push(reading);
  });
  const labelled = windows.map(([start, end]) => [parseNabTime(start), parseNabTime(end)] as const);
  return { name, folder: folderOf(name), timestampTexts, timestamps, values, windows: labelled };
}

/**
 * Every series the windows file names (a series with no anomaly is named with an empty list), sorted by name.
 * Series the windows file does not name are not read: NAB's labels define its corpus.
 */
export function loadNabCorpus(location = nabLocation()): NabSeries[] {
  if (!existsSync(location.data)) {
    throw new Error(`NAB data: no folder ${location.data}; pass --data <folder holding <folder>/<name>.csv>`);
  }
  const windows = readWindows(location.windows);
  const names = Object.keys(windows).sort();
  const missing = names.filter((name) => !existsSync(join(location.data, name)));
  if (missing.length > 0) {
    throw new Error(
      `NAB data: ${missing.length} of the ${names.length} series named in ${location.windows} are not in ${location.data}: ` +
        `${missing.join(', ')}; pass --data <the folder holding them> or a --windows file naming only what you have`,
    );
  }
  return names.map((name) => readSeries(location.data, name, windows[name]!));
}
