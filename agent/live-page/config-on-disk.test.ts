import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeConfig } from '../../test/helpers/complete-config.js';
import { makeTempDirSync, type TempDir } from '../../test/helpers/temp-dir.js';
import { ConfigOnDisk } from './config-on-disk.js';

describe('the config file on disk, as the live page shows it', () => {
  let dir: TempDir;
  let file: string;
  beforeEach(() => {
    dir = makeTempDirSync('config-on-disk');
    file = path.join(dir.path, 'tributary.yaml');
  });
  afterEach(() => dir.removeSync());

  it('says whether the file on disk is the one running and whether it validates, with file:line:column', () => {
    writeFileSync(file, completeConfig(''));
    let running = { file };
    const onDisk = new ConfigOnDisk(() => running);
    const first = onDisk.status();
    expect(first.running_version).toMatch(/^[0-9a-f]{12}$/);
    expect(first.on_disk).toEqual({ version: first.running_version, valid: true, problems: [] });

    // Someone edits the file and makes a mistake: the running config stays, the page shows where the mistake is.
    writeFileSync(file, `${completeConfig('')}\nagent: { tick: soon }\n`);
    const edited = onDisk.status();
    expect(edited.running_version).toBe(first.running_version);
    expect(edited.on_disk.version).not.toBe(first.running_version);
    expect(edited.on_disk.valid).toBe(false);
    expect(edited.on_disk.problems[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));

    // Fixed and reloaded (a new config object): the file on disk is the one running again.
    writeFileSync(file, `${completeConfig('')}\n# tuned\n`);
    running = { file };
    const reloaded = onDisk.status();
    expect(reloaded.on_disk.valid).toBe(true);
    expect(reloaded.running_version).toBe(reloaded.on_disk.version);
  });

  it('says so when the file is gone', () => {
    writeFileSync(file, completeConfig(''));
    const onDisk = new ConfigOnDisk(() => ({ file }));
    onDisk.status();
    dir.removeSync();
    const status = onDisk.status();
    expect(status.on_disk.valid).toBe(false);
    expect(status.on_disk.problems[0]).toContain('ENOENT');
  });
});
