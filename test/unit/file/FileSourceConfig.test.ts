import { resolve } from 'node:path';
import { ConfigError } from '../../../lib/errors/AdfError';
import { Boundedness } from '../../../lib/source-support/Boundedness';
import { DEFAULT_BATCH_LIMITS } from '../../../lib/source-support/RecordBatch';
import { FILE_SOURCE_DEFAULTS, FileSplitSerializer, fileSource, parseFileSourceOptions } from '../../../lib/sources/file';

const messageOf = (options: unknown): string => {
  try {
    parseFileSourceOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
};

describe('file source options', () => {
  it('applies the defaults and makes the path absolute', () => {
    const config = parseFileSourceOptions({ path: 'data/in' });

    expect(config).toEqual({
      path: resolve('data/in'),
      format: undefined,
      include: undefined,
      exclude: undefined,
      recursive: true,
      formats: { csv: { quote: '"', header: true, duplicateHeaders: 'error' }, encoding: 'utf-8', maxRecordBytes: FILE_SOURCE_DEFAULTS.maxRecordBytes },
      limits: { maxRecords: DEFAULT_BATCH_LIMITS.maxRecords, maxBytes: DEFAULT_BATCH_LIMITS.maxBytes },
      discoveryPageSize: 1000,
      splitSize: 64 * 1024 * 1024,
      afterFinish: { action: 'leave' },
      followSymlinks: 'within-root',
    });
  });

  it('takes a single glob or a list, and csv options', () => {
    const config = parseFileSourceOptions({ path: '/d', include: '*.csv', exclude: ['tmp/**'], csv: { delimiter: ';', header: false, columns: ['a'] } });

    expect(config.include).toEqual(['*.csv']);
    expect(config.exclude).toEqual(['tmp/**']);
    expect(config.formats.csv).toMatchObject({ delimiter: ';', quote: '"', header: false, columns: ['a'] });
  });

  it('treats options given as undefined as absent', () => {
    const config = parseFileSourceOptions({ path: '/d', csv: { delimiter: undefined, quote: undefined }, maxRecordsPerBatch: undefined });

    expect(config.formats.csv.quote).toBe('"');
    expect(config.limits.maxRecords).toBe(DEFAULT_BATCH_LIMITS.maxRecords);
  });

  it.each([
    [{ path: '/d', maxRecordsPerBatch: 0 }, 'maxRecordsPerBatch must be between 1 and 100000 (got 0)'],
    [{ path: '/d', maxRecordsPerBatch: 2.5 }, 'maxRecordsPerBatch must be an integer between 1 and 100000 (got 2.5)'],
    [{ path: '/d', maxBytesPerBatch: 10 }, 'maxBytesPerBatch must be between 1024 and 1073741824 (got 10)'],
    [{ path: '' }, 'path must be a non-empty string (got "")'],
    [{}, 'path must be a non-empty string (got nothing)'],
    [{ path: '/d', format: 'xml' }, 'format must be one of csv, jsonl (got "xml")'],
    [{ path: '/d', include: 3 }, 'include must be a non-empty glob or a non-empty array of non-empty globs (got 3)'],
    [{ path: '/d', recursive: 'yes' }, 'recursive must be true or false (got "yes")'],
    [{ path: '/d', csv: { quote: "''" } }, `csv.quote must be a single character (got "''")`],
    [{ path: '/d', csv: { columns: [] } }, 'csv.columns must name at least one column (got [])'],
    [{ path: '/d', batchSize: 10 }, 'unknown option: batchSize'],
    [{ path: '/d', csv: { delimeter: ';' } }, 'unknown option in csv: delimeter'],
    [null, 'file source options must be an object (got null)'],
  ])('rejects %j: %s', (options, message) => {
    expect(messageOf(options)).toContain(message);
  });

  it('names the first bad field in the error context', () => {
    const error = (() => {
      try {
        parseFileSourceOptions({ path: '/d', maxRecordsPerBatch: -1 });
      } catch (e) {
        return e as ConfigError;
      }
    })();

    expect(error?.context.field).toBe('maxRecordsPerBatch');
  });

  it('keeps an s3:// path as it is and checks its bucket name', () => {
    expect(parseFileSourceOptions({ path: 's3://bucket/prefix' }).path).toBe('s3://bucket/prefix');
    expect(messageOf({ path: 's3://B_ad/prefix' })).toContain('path must look like s3://bucket/prefix');
  });
});

describe('file source options: ranges, discovery and after-finish', () => {
  it('takes splitSize in bytes or with a k/M/G suffix', () => {
    expect(parseFileSourceOptions({ path: '/d', splitSize: 1000 }).splitSize).toBe(1000);
    expect(parseFileSourceOptions({ path: '/d', splitSize: '128M' }).splitSize).toBe(128 * 1024 * 1024);
    expect(parseFileSourceOptions({ path: '/d', splitSize: '1g' }).splitSize).toBe(1024 ** 3);
    expect(parseFileSourceOptions({ path: '/d', splitSize: '64KiB' }).splitSize).toBe(64 * 1024);
  });

  it('takes newerThan as an ISO date, epoch milliseconds or a Date', () => {
    expect(parseFileSourceOptions({ path: '/d', newerThan: '2024-05-01T00:00:00Z' }).newerThan).toBe(Date.UTC(2024, 4, 1));
    expect(parseFileSourceOptions({ path: '/d', newerThan: '2024-05-01' }).newerThan).toBe(Date.UTC(2024, 4, 1));
    expect(parseFileSourceOptions({ path: '/d', newerThan: 1714521600000 }).newerThan).toBe(1714521600000);
    expect(parseFileSourceOptions({ path: '/d', newerThan: new Date(5) }).newerThan).toBe(5);
  });

  it('resolves afterFinish: leave, delete, or a move destination of the same kind as the path', () => {
    expect(parseFileSourceOptions({ path: '/d/in', afterFinish: 'delete' }).afterFinish).toEqual({ action: 'delete' });
    expect(parseFileSourceOptions({ path: '/d/in', afterFinish: { moveTo: '/d/archive' } }).afterFinish).toEqual({ action: 'move', to: '/d/archive/' });
    expect(parseFileSourceOptions({ path: 's3://in-bucket/orders', afterFinish: { moveTo: 's3://in-bucket/archive' } }).afterFinish).toEqual({ action: 'move', to: 's3://in-bucket/archive/' });
    expect(parseFileSourceOptions({ path: 's3://in-bucket/orders/', afterFinish: { moveTo: 's3://other/orders/' } }).afterFinish).toEqual({ action: 'move', to: 's3://other/orders/' });
  });

  it.each([
    [{ path: '/d', splitSize: 0 }, 'splitSize must be a number of bytes between 1 and 9007199254740991, or a size like "64M" (k, M, G suffixes) (got 0)'],
    [{ path: '/d', splitSize: '12 parsecs' }, 'splitSize must be a number of bytes between 1 and'],
    [{ path: '/d', splitSize: 1.5 }, 'splitSize must be a number of bytes'],
    [{ path: '/d', maxFilesPerRun: 0 }, 'maxFilesPerRun must be between 1 and 1000000000 (got 0)'],
    [{ path: '/d', newerThan: 'yesterday' }, 'newerThan must be an ISO 8601 date (e.g. "2024-05-01T00:00:00Z"), epoch milliseconds or a Date (got "yesterday")'],
    [{ path: '/d', newerThan: -1 }, 'newerThan must be an ISO 8601 date'],
    [{ path: '/d', afterFinish: 'archive' }, `afterFinish must be 'leave', 'delete' or { moveTo: 's3://bucket/archive/' | '/local/archive/' } (got "archive")`],
    [{ path: '/d', afterFinish: { moveTo: '' } }, 'afterFinish.moveTo must be a non-empty string (got "")'],
    [{ path: '/d/in', afterFinish: { moveTo: 's3://bkt/archive/' } }, 'afterFinish.moveTo must be a local directory for a local path (got "s3://bkt/archive/")'],
    [{ path: 's3://bkt/in/', afterFinish: { moveTo: '/archive' } }, 'afterFinish.moveTo must be an s3:// prefix for an s3:// path (got "/archive")'],
    [{ path: '/d/in', afterFinish: { moveTo: '/d/in/done' } }, 'afterFinish.moveTo must lie outside path /d/in (got "/d/in/done")'],
    [{ path: 's3://bkt/in', afterFinish: { moveTo: 's3://bkt/in/done/' } }, 'afterFinish.moveTo must lie outside path s3://bkt/in (got "s3://bkt/in/done/")'],
    [{ path: '/d', s3Client: {} }, 's3Client must be an S3Client'],
  ])('rejects %j: %s', (options, message) => {
    expect(messageOf(options)).toContain(message);
  });

  it('names the field of a bad afterFinish destination in the error context', () => {
    try {
      parseFileSourceOptions({ path: '/d/in', afterFinish: { moveTo: '/d/in/x' } });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).context.field).toBe('afterFinish.moveTo');
    }
  });

  it('allows a move destination inside the path when the path is not read recursively', () => {
    expect(parseFileSourceOptions({ path: '/d/in', recursive: false, afterFinish: { moveTo: '/d/in/done' } }).afterFinish).toEqual({ action: 'move', to: '/d/in/done/' });
  });
});

describe('fileSource', () => {
  it('is a bounded source of type file with the file split serializer', () => {
    const source = fileSource({ path: '/data' });

    expect(source.type).toBe('file');
    expect(source.boundedness).toBe(Boundedness.BOUNDED);
    expect(source.splitSerializer).toBe(FileSplitSerializer);
  });

  it('validates its options at construction', () => {
    expect(() => fileSource({ path: '/data', maxRecordsPerBatch: 0 })).toThrow(ConfigError);
  });
});
