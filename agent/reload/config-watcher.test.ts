import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { ConfigWatcher } from './config-watcher.js';

const log = pino({ level: 'silent' });
const DEBOUNCE_MS = 50;
const settle = () => new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 4));

describe('ConfigWatcher', () => {
  let dir: TempDir;
  let file: string;
  let changes: number;
  let watcher: ConfigWatcher;
  beforeEach(async () => {
    dir = await makeTempDir('config-watcher');
    file = path.join(dir.path, 'tributary.yaml');
    await writeFile(file, 'rules: {}\n');
    changes = 0;
    watcher = new ConfigWatcher(file, () => (changes += 1), { log, debounceMs: DEBOUNCE_MS });
    watcher.start();
  });
  afterEach(async () => {
    watcher.stop();
    await dir.remove();
  });

  it('reports a save that replaces the file by a rename once', async () => {
    await writeFile(`${file}.swp`, 'rules: { a: {} }\n');
    await rename(`${file}.swp`, file);
    await settle();
    expect(changes).toBe(1);
  });

  it('reports a file written in place in several steps once', async () => {
    await writeFile(file, 'rules:\n');
    await writeFile(file, 'rules:\n  a: {}\n');
    await settle();
    expect(changes).toBe(1);
  });

  it('ignores a save that left the content as it was, and other files in the directory', async () => {
    await writeFile(file, 'rules: {}\n');
    await writeFile(path.join(dir.path, 'environment'), 'X=1\n');
    await settle();
    expect(changes).toBe(0);
  });

  it('reports nothing after stop', async () => {
    watcher.stop();
    await writeFile(file, 'rules: { b: {} }\n');
    await settle();
    expect(changes).toBe(0);
  });
});
