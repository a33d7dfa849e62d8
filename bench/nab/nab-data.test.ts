import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../test/helpers/temp-dir.js';
import { DEFAULT_NAB_DATA, loadNabCorpus, nabLocation, parseNabTime } from './nab-data.js';

const corpusDir = await makeTempDir('nab');
afterAll(() => corpusDir.remove());

/** A corpus in NAB's layout: folders of CSVs and one windows.json naming two of the three. */
function writeCorpus(root: string): void {
  mkdirSync(join(root, 'realKnownCause'), { recursive: true });
  mkdirSync(join(root, 'artificialNoAnomaly'), { recursive: true });
  const rows = ['timestamp,value', '2014-04-10 07:10:00,1.5', '2014-04-10 07:15:00,2', '2014-04-10 07:20:00,-3e2', ''];
  writeFileSync(join(root, 'realKnownCause', 'machine.csv'), rows.join('\r\n'));
  writeFileSync(join(root, 'realKnownCause', 'unlabelled.csv'), 'timestamp,value\n2014-04-10 07:10:00,0\n');
  writeFileSync(join(root, 'artificialNoAnomaly', 'flat.csv'), 'timestamp,value\n2014-04-10 07:10:00,0\n');
  const windows = {
    'realKnownCause/machine.csv': [['2014-04-10 07:15:00.000000', '2014-04-10 07:20:00.000000']],
    'artificialNoAnomaly/flat.csv': [],
  };
  writeFileSync(join(root, 'windows.json'), JSON.stringify(windows));
}

describe('NAB data loader', () => {
  it('reads NAB timestamps as UTC, with or without fractional seconds', () => {
    expect(parseNabTime('2014-04-10 07:15:00')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(parseNabTime('2014-04-10 07:15:00.000000')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(() => parseNabTime('yesterday')).toThrow(/not a NAB timestamp/);
  });

  it('loads every series the windows file names, sorted by name, with its folder, windows and timestamp texts', () => {
    writeCorpus(corpusDir.path);
    const corpus = loadNabCorpus(nabLocation(corpusDir.path));
    expect(corpus.map((series) => series.name)).toEqual(['artificialNoAnomaly/flat.csv', 'realKnownCause/machine.csv']);
    const machine = corpus[1]!;
    expect(machine.folder).toBe('realKnownCause');
    expect(machine.values).toEqual([1.5, 2, -300]);
    expect(machine.timestampTexts).toEqual(['2014-04-10 07:10:00', '2014-04-10 07:15:00', '2014-04-10 07:20:00']);
    expect(machine.timestamps).toEqual([0, 5, 10].map((minutes) => Date.UTC(2014, 3, 10, 7, 10 + minutes)));
    expect(machine.windows).toEqual([[machine.timestamps[1], machine.timestamps[2]]]);
    expect(corpus[0]!.windows).toEqual([]);
  });

  it('reads the windows file from wherever it is given (NAB keeps it in labels/)', () => {
    writeCorpus(corpusDir.path);
    const labels = join(corpusDir.path, 'only-flat.json');
    writeFileSync(labels, JSON.stringify({ 'artificialNoAnomaly/flat.csv': [] }));
    expect(loadNabCorpus(nabLocation(corpusDir.path, labels)).map((series) => series.name)).toEqual(['artificialNoAnomaly/flat.csv']);
  });

  it('names every series it cannot find, the windows file it could not read, and a data folder that is not there', () => {
    writeCorpus(corpusDir.path);
    const labels = join(corpusDir.path, 'more.json');
    writeFileSync(labels, JSON.stringify({ 'realTraffic/speed.csv': [], 'artificialNoAnomaly/flat.csv': [], 'realTraffic/occupancy.csv': [] }));
    expect(() => loadNabCorpus(nabLocation(corpusDir.path, labels))).toThrow(
      /2 of the 3 series named in .*more\.json are not in .*: realTraffic\/occupancy\.csv, realTraffic\/speed\.csv; pass --data/,
    );
    expect(() => loadNabCorpus(nabLocation(corpusDir.path, join(corpusDir.path, 'none.json')))).toThrow(/no windows file at .*none\.json; pass --windows/);
    expect(() => loadNabCorpus(nabLocation(join(corpusDir.path, 'absent')))).toThrow(/no folder .*absent; pass --data/);
  });

  it('names the file and line of a row that is not "timestamp,value"', () => {
    writeCorpus(corpusDir.path);
    writeFileSync(join(corpusDir.path, 'artificialNoAnomaly', 'flat.csv'), 'timestamp,value\n2014-04-10 07:10:00,0\n2014-04-10 07:15:00,\n');
    expect(() => loadNabCorpus(nabLocation(corpusDir.path))).toThrow(/flat\.csv:3: expected "timestamp,value"/);
  });

  it('finds the data beside the repository, ../shared/data/nab/, whatever the working directory', () => {
    const repository = fileURLToPath(new URL('../../', import.meta.url));
    expect(resolve(DEFAULT_NAB_DATA)).toBe(resolve(repository, '../shared/data/nab'));
    expect(nabLocation().windows).toBe(join(DEFAULT_NAB_DATA, 'windows.json'));
  });
});
