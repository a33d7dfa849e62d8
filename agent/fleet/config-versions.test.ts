import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';
import { ConfigVersions } from './config-versions.js';

describe('config versions kept on disk', () => {
  let dir: TempDir;
  beforeEach(async () => (dir = await makeTempDir('versions')));
  afterEach(async () => dir.remove());

  it('keeps the last few, steps back one at a time, then to the local file, and remembers across restarts', () => {
    const versions = new ConfigVersions(dir.path, 3);
    versions.open();
    expect(versions.fileToRun('/etc/local.yaml')).toBe('/etc/local.yaml');
    for (const version of [1, 2, 3, 4]) versions.install(version, `d${version}`, `# v${version}\n`);
    expect(versions.kept()).toEqual([2, 3, 4]);
    expect(readFileSync(versions.runningFile, 'utf8')).toBe('# v4\n');

    const again = new ConfigVersions(dir.path, 3);
    again.open();
    expect(again.running).toEqual({ version: 4, digest: 'd4' });
    expect(again.highest).toBe(4);
    expect(again.stepBack()).toEqual({ version: 3, digest: 'd3' });
    expect(readFileSync(again.runningFile, 'utf8')).toBe('# v3\n');
    again.stepBack();
    expect(again.stepBack()).toBeUndefined();
    expect(existsSync(again.runningFile)).toBe(false);
    expect(again.fileToRun('/etc/local.yaml')).toBe('/etc/local.yaml');
    // Stepping back does not make old versions new again.
    expect(again.highest).toBe(4);
  });

  it('drops the versions from the restored one on when a group rollback pushes an earlier config again', () => {
    const versions = new ConfigVersions(dir.path, 5);
    versions.open();
    for (const version of [1, 2, 3]) versions.install(version, `d${version}`, `# v${version}\n`);
    // Version 4 carries the config of version 2: stepping back from it goes to 1, never to 3 (rolled back) or 2.
    versions.install(4, 'd4', '# v2 again\n', 2);
    expect(versions.previous).toEqual({ version: 1, digest: 'd1' });
    expect(versions.kept()).toEqual([1, 4]);
    expect(versions.stepBack()).toEqual({ version: 1, digest: 'd1' });
    expect(versions.highest).toBe(4);
  });
});
