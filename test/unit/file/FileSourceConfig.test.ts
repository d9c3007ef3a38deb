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
      formats: { csv: { quote: '"', header: true }, maxRecordBytes: FILE_SOURCE_DEFAULTS.maxRecordBytes },
      limits: { maxRecords: DEFAULT_BATCH_LIMITS.maxRecords, maxBytes: DEFAULT_BATCH_LIMITS.maxBytes },
      discoveryPageSize: 1000,
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

  it('rejects s3:// paths until S3 is supported', () => {
    expect(messageOf({ path: 's3://bucket/prefix' })).toMatch(/not supported yet/);
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
