import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, tributary } from '../../test/helpers/run-cli.js';
import { makeTempDir, type TempDir } from '../../test/helpers/temp-dir.js';

/** The README's `validate` example: the config it shows and the output it claims, the two code blocks after its intro. */
function readmeExample(): { config: string; output: string } {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const intro = readme.indexOf('`validate` reports every problem in one run');
  if (intro < 0) throw new Error('README.md: the validate example is gone; update this test with it');
  const blocks = [...readme.slice(intro).matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
  return { config: blocks[0]!, output: blocks[1]! };
}

describe("the README's validate example", () => {
  let dir: TempDir;
  beforeAll(async () => {
    dir = await makeTempDir('readme-validate');
  });
  afterAll(async () => {
    await dir.remove();
  });

  it('is what validate prints for the config it shows', async () => {
    const { config, output } = readmeExample();
    const file = path.join(dir.path, 'greenhouse.yaml');
    await writeFile(file, config);
    // As the README says: the secret is not set.
    delete process.env.MQTT_PASSWORD;
    const result = await tributary('validate', file);
    expect(result.code).toBe(1);
    expect(result.stdout.replaceAll(`${dir.path}${path.sep}`, '')).toBe(output);
  });
});
