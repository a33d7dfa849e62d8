import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A directory under os.tmpdir() that belongs to one test and is removed afterwards. */
export interface TempDir {
  readonly path: string;
  /** Deletes the directory and everything in it; safe to call twice. */
  remove(): Promise<void>;
  /** Synchronous variant for process 'exit' handlers, where nothing async runs. */
  removeSync(): void;
}

const PREFIX = 'tributary-test-';

/** Creates a fresh temp dir named `tributary-test-<name>-XXXXXX`. */
export async function makeTempDir(name = ''): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), PREFIX + (name ? `${name}-` : '')));
  return wrap(dir);
}

/** Synchronous variant of makeTempDir, for setup code that cannot await. */
export function makeTempDirSync(name = ''): TempDir {
  return wrap(mkdtempSync(path.join(os.tmpdir(), PREFIX + (name ? `${name}-` : ''))));
}

function wrap(dir: string): TempDir {
  return {
    path: dir,
    remove: () => rm(dir, { recursive: true, force: true }),
    removeSync: () => rmSync(dir, { recursive: true, force: true }),
  };
}
