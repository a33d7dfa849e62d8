import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/helpers/temp-dir.js';
import { loadNabCorpus, parseNabTime } from './nab-data.js';

const corpusDir = await makeTempDir('nab');
afterAll(() => corpusDir.remove());

/** A two-series corpus in NAB's layout: folders of CSVs and one windows.json. */
function writeCorpus(root: string): void {
  mkdirSync(join(root, 'realKnownCause'));
  mkdirSync(join(root, 'artificialNoAnomaly'));
  const rows = ['timestamp,value', '2014-04-10 07:10:00,1.5', '2014-04-10 07:15:00,2', '2014-04-10 07:20:00,-3e2', ''];
  writeFileSync(join(root, 'realKnownCause', 'machine.csv'), rows.join('\n'));
  writeFileSync(join(root, 'artificialNoAnomaly', 'flat.csv'), 'timestamp,value\n2014-04-10 07:10:00,0\n');
  const windows = { 'realKnownCause/machine.csv': [['2014-04-10 07:15:00.000000', '2014-04-10 07:20:00.000000']] };
  writeFileSync(join(root, 'windows.json'), JSON.stringify(windows));
}

describe('NAB data loader', () => {
  it('reads NAB timestamps as UTC, with or without fractional seconds', () => {
    expect(parseNabTime('2014-04-10 07:15:00')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(parseNabTime('2014-04-10 07:15:00.000000')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(() => parseNabTime('yesterday')).toThrow(/not a NAB timestamp/);
  });

  it('loads every series of every folder, sorted by name, with its windows (none when unlabelled)', () => {
    writeCorpus(corpusDir.path);
    const corpus = loadNabCorpus(corpusDir.path);
    expect(corpus.map((series) => series.name)).toEqual(['artificialNoAnomaly/flat.csv', 'realKnownCause/machine.csv']);
    const machine = corpus[1]!;
    expect(machine.values).toEqual([1.5, 2, -300]);
    expect(machine.timestamps).toEqual([0, 5, 10].map((minutes) => Date.UTC(2014, 3, 10, 7, 10 + minutes)));
    expect(machine.windows).toEqual([[machine.timestamps[1], machine.timestamps[2]]]);
    expect(corpus[0]!.windows).toEqual([]);
  });
});
