import { AdfError, ConfigError } from '../../../lib/errors/AdfError';
import { FileSplit, FileSplitSerializer, START_OF_FILE, TO_END_OF_FILE } from '../../../lib/sources/file';
import { roundTrip } from './readSplit';

const split = () => FileSplit.create({ splitId: 'in/a.csv', path: '/data/in/a.csv', fileId: 'in/a.csv', format: 'csv', compression: 'none' });

describe('FileSplit', () => {
  it('starts a whole-file split at the start of the file', () => {
    expect(split()).toMatchObject({ start: 0, end: TO_END_OF_FILE, position: START_OF_FILE });
  });

  it('is immutable, and withPosition returns a new split', () => {
    const original = split();

    const moved = original.withPosition({ offset: 42, line: 3, records: 2, header: ['a', 'b'] });

    expect(Object.isFrozen(original)).toBe(true);
    expect(Object.isFrozen(moved.position)).toBe(true);
    expect(Object.isFrozen(moved.position.header)).toBe(true);
    expect(original.position).toEqual(START_OF_FILE);
    expect(moved).toMatchObject({ splitId: 'in/a.csv', position: { offset: 42, line: 3, records: 2, header: ['a', 'b'] } });
    expect(() => {
      (moved as { path: string }).path = '/elsewhere';
    }).toThrow(TypeError);
  });

  it.each([
    [{ splitId: '' }, 'FileSplit splitId must be a non-empty string'],
    [{ path: 'relative/a.csv' }, 'FileSplit path must be an absolute path or an s3:// url'],
    [{ format: 'xml' }, 'FileSplit format must be one of csv, jsonl'],
    [{ compression: 'zip' }, 'FileSplit compression must be one of none, gzip'],
    [{ start: 10, end: 5 }, 'FileSplit end must be greater than start (10)'],
    [{ compression: 'gzip', start: 0, end: 100 }, 'must be 0 with end TO_END_OF_FILE for a gzip file'],
    [{ start: 100, position: { offset: 50, line: 1, records: 0 } }, 'FileSplit position.offset must be an integer >= 100'],
    [{ position: { offset: 0, line: 0, records: 0 } }, 'FileSplit position.line must be an integer >= 1'],
    [{ position: { offset: 0, line: 1, records: 0, header: [1] } }, 'FileSplit position.header must be an array of strings'],
    [{ etag: '' }, 'FileSplit etag must be a non-empty string'],
    [{ size: -1 }, 'FileSplit size must be an integer >= 0'],
    [{ size: 100, start: 0, end: 200 }, "FileSplit end must not pass the file's size (100)"],
    [{ fileSplits: 0 }, 'FileSplit fileSplits must be an integer >= 1'],
    [{ compression: 'gzip', fileSplits: 2 }, 'FileSplit fileSplits must be 1 for a gzip file'],
  ])('rejects %j', (props, message) => {
    expect(() => new FileSplit({ ...split(), ...(props as object) })).toThrow(ConfigError);
    expect(() => new FileSplit({ ...split(), ...(props as object) })).toThrow(message);
  });

  it('accepts s3:// paths and byte ranges', () => {
    expect(new FileSplit({ ...split(), path: 's3://bucket/a.csv', start: 100, end: 200, position: { offset: 100, line: 1, records: 0 } })).toMatchObject({
      start: 100,
      end: 200,
    });
  });
});

describe('FileSplit siblings', () => {
  it('names every split of its file: the fileId alone, or fileId#0 … #n-1 for ranges', () => {
    const range = new FileSplit({ ...split(), splitId: 'in/a.csv#1', start: 10, end: 20, position: { offset: 10, line: 2, records: 0 }, fileSplits: 3 });

    expect(split().fileSplits).toBe(1);
    expect(split().siblingIds).toEqual(['in/a.csv']);
    expect(range.siblingIds).toEqual(['in/a.csv#0', 'in/a.csv#1', 'in/a.csv#2']);
  });
});

describe('FileSplitSerializer', () => {
  it('round-trips a split through JSON', () => {
    const original = split().withPosition({ offset: 42, line: 3, records: 2, header: ['a', 'b'] });

    expect(roundTrip(original)).toEqual(original);
    expect(roundTrip(split())).toEqual(split());
  });

  it('writes JSON-safe data that includes the split id', () => {
    const data = FileSplitSerializer.serialize(split());

    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    expect(data.splitId).toBe('in/a.csv');
  });

  it('is version 2 and round-trips the listed version and the range of a file cut into splits', () => {
    const range = new FileSplit({
      ...split(),
      splitId: 'in/a.csv#2',
      path: 's3://bucket-a/in/a.csv',
      start: 1000,
      end: 2000,
      position: { offset: 1500, line: 40, records: 12, header: ['a', 'b'] },
      etag: '"9b2cf535f27731c974343645a3985328"',
      size: 5000,
      fileSplits: 4,
    });

    const data = FileSplitSerializer.serialize(range);

    expect(FileSplitSerializer.version).toBe(2);
    expect(data).toMatchObject({ etag: '"9b2cf535f27731c974343645a3985328"', size: 5000, fileSplits: 4 });
    expect(roundTrip(range)).toEqual(range);
  });

  it('reads version 1 data (no etag, size or fileSplits) as an unpinned whole-file split', () => {
    const v1 = { splitId: 'in/a.csv', path: '/data/in/a.csv', fileId: 'in/a.csv', format: 'csv', compression: 'none', start: 0, end: -1, offset: 42, line: 3, records: 2, header: ['a', 'b'] };

    const back = FileSplitSerializer.deserialize(1, JSON.parse(JSON.stringify(v1)));

    expect(back).toMatchObject({ splitId: 'in/a.csv', fileSplits: 1, etag: undefined, size: undefined, position: { offset: 42, line: 3, records: 2, header: ['a', 'b'] } });
    expect(back.siblingIds).toEqual(['in/a.csv']);
  });

  it('ignores v2 fields in data that claims version 1', () => {
    const data = { ...FileSplitSerializer.serialize(split()), etag: '"x"', fileSplits: 3 };

    expect(FileSplitSerializer.deserialize(1, data)).toMatchObject({ etag: undefined, fileSplits: 1 });
  });

  it('rejects an unknown version and damaged data', () => {
    const data = FileSplitSerializer.serialize(split());

    expect(() => FileSplitSerializer.deserialize(3, data)).toThrow(AdfError);
    expect(() => FileSplitSerializer.deserialize(1, { ...data, offset: -1 })).toThrow('position.offset');
    expect(() => FileSplitSerializer.deserialize(2, { ...data, size: 'big' })).toThrow('FileSplit size must be an integer >= 0');
  });
});
