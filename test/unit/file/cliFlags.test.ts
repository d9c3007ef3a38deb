import { parseRunArgs } from '../../../lib/cli/parseRunArgs';
import { RUN_HELP } from '../../../lib/cli/help';
import { ConfigError } from '../../../lib/errors';
import { flowFromOptions } from '../../../lib/flow/flowFromOptions';
import type { FlowOptions } from '../../../lib/flow/FlowRef';
import { FileSource, parseByteSize } from '../../../lib/sources/file';

const optionsOf = (args: string[]) => {
  const { ref } = parseRunArgs(args);
  if (ref.kind !== 'options') throw new Error('expected the flag form');
  return ref.options;
};
const base = ['--source', 'file', '--sink', 'null'];
const errorOf = (args: string[]) => {
  try {
    parseRunArgs(args);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('file source flags', () => {
  it('--path takes an s3:// prefix like a local path', () => {
    const flow = flowFromOptions(optionsOf([...base, '--path', 's3://in-bucket/orders/']) as FlowOptions);

    expect((flow.source as FileSource).config.path).toBe('s3://in-bucket/orders/');
  });

  it('--split-size takes bytes or a k/M/G suffix and reaches the source', () => {
    expect(optionsOf([...base, '--path', '/d', '--split-size', '128M']).splitSize).toBe(128 * 1024 * 1024);
    expect(optionsOf([...base, '--path', '/d', '--split-size', '1000']).splitSize).toBe(1000);
    const flow = flowFromOptions(optionsOf([...base, '--path', '/d', '--split-size', '2k']) as FlowOptions);
    expect((flow.source as FileSource).config.splitSize).toBe(2048);
  });

  it('--after-finish takes leave, delete or move:<dest>', () => {
    expect(optionsOf([...base, '--path', '/d/in', '--after-finish', 'delete']).afterFinish).toBe('delete');
    expect(optionsOf([...base, '--path', '/d/in', '--after-finish', 'move:/d/archive']).afterFinish).toEqual({ moveTo: '/d/archive' });
    const flow = flowFromOptions(optionsOf([...base, '--path', 's3://in-bucket/in/', '--after-finish', 'move:s3://in-bucket/archive/']) as FlowOptions);
    expect((flow.source as FileSource).config.afterFinish).toEqual({ action: 'move', to: 's3://in-bucket/archive/' });
  });

  it('--min-file-age takes a duration and reaches the source (flag and ADF_FLOW string)', () => {
    expect(optionsOf([...base, '--path', '/d', '--min-file-age', '30s']).minFileAge).toBe(30_000);
    const flow = flowFromOptions(optionsOf([...base, '--path', '/d', '--min-file-age', '2m']) as FlowOptions);
    expect((flow.source as FileSource).config.minFileAge).toBe(120_000);
    expect((flowFromOptions({ source: 'file', sink: 'null', path: '/d', minFileAge: '500ms' }).source as FileSource).config.minFileAge).toBe(500);
    expect(errorOf([...base, '--path', '/d', '--min-file-age', 'soon'])).toContain('--min-file-age must be a duration such as 30s');
  });

  it('--follow-symlinks takes within-root, any or never and reaches the source (default within-root)', () => {
    expect((flowFromOptions(optionsOf([...base, '--path', '/d']) as FlowOptions).source as FileSource).config.followSymlinks).toBe('within-root');
    const flow = flowFromOptions(optionsOf([...base, '--path', '/d', '--follow-symlinks', 'never']) as FlowOptions);
    expect((flow.source as FileSource).config.followSymlinks).toBe('never');
    expect(((flowFromOptions({ source: 'file', sink: 'null', path: '/d', followSymlinks: 'any' }).source) as FileSource).config.followSymlinks).toBe('any');
    expect(errorOf([...base, '--path', '/d', '--follow-symlinks', 'yes'])).toContain('--follow-symlinks must be within-root, any or never (got "yes")');
    expect(RUN_HELP).toContain('--follow-symlinks');
  });

  it('accepts the flag values as ADF_FLOW strings too', () => {
    const flow = flowFromOptions({ source: 'file', sink: 'null', path: '/d/in', splitSize: '1M', afterFinish: 'move:/d/done' });

    expect((flow.source as FileSource).config).toMatchObject({ splitSize: 1024 * 1024, afterFinish: { action: 'move', to: '/d/done/' } });
  });

  it.each([
    [['--split-size', 'big'], '--split-size must be a positive number of bytes, optionally with a k, M or G suffix (e.g. 64M) (got "big")'],
    [['--split-size', '0'], '--split-size must be a positive number of bytes'],
    [['--after-finish', 'archive'], '--after-finish must be leave, delete or move:<dir or s3://bucket/prefix/> (got "archive")'],
    [['--after-finish', 'move:'], '--after-finish must be leave, delete or move:'],
  ])('rejects %j with a clear message', (flags, message) => {
    expect(errorOf([...base, '--path', '/d', ...flags])).toContain(message);
  });

  it('rejects a move destination of the wrong kind when the flow is built', () => {
    expect(() => flowFromOptions(optionsOf([...base, '--path', '/d/in', '--after-finish', 'move:s3://in-bucket/x/']) as FlowOptions)).toThrow(
      'afterFinish.moveTo must be a local directory for a local path',
    );
  });

  it('are listed in adf run --help', () => {
    expect(RUN_HELP).toContain('--split-size <bytes>');
    expect(RUN_HELP).toContain('--after-finish <what>');
    expect(RUN_HELP).toContain('s3://bucket/prefix');
  });

  it('parseByteSize reads plain numbers and binary suffixes', () => {
    expect([parseByteSize('512'), parseByteSize('1.5k'), parseByteSize('64MB'), parseByteSize('2GiB'), parseByteSize('x'), parseByteSize(2.5)]).toEqual([
      512, 1536, 64 * 1024 ** 2, 2 * 1024 ** 3, undefined, undefined,
    ]);
  });
});

describe('encoding and duplicate-header flags', () => {
  it('--encoding and --csv-duplicate-headers reach the file source, as the ADF_FLOW fields encoding and csvDuplicateHeaders do', () => {
    const flow = flowFromOptions(optionsOf([...base, '--path', '/data', '--encoding', 'utf-16be', '--csv-duplicate-headers', 'rename']) as FlowOptions);
    const fromJson = flowFromOptions({ source: 'file', sink: 'null', path: '/data', encoding: 'latin1', csvDuplicateHeaders: 'rename' });

    expect((flow.source as FileSource).config.formats).toMatchObject({ encoding: 'utf-16be', csv: { duplicateHeaders: 'rename' } });
    expect((fromJson.source as FileSource).config.formats).toMatchObject({ encoding: 'latin1', csv: { duplicateHeaders: 'rename' } });
  });

  it('names the option and the values it takes', () => {
    expect(() => flowFromOptions(optionsOf([...base, '--path', '/data', '--encoding', 'utf8']) as FlowOptions)).toThrow(
      'encoding must be one of utf-8, utf-16le, utf-16be, latin1 (got "utf8")',
    );
    expect(() => flowFromOptions(optionsOf([...base, '--path', '/data', '--csv-duplicate-headers', 'keep']) as FlowOptions)).toThrow('csv.duplicateHeaders must be error or rename');
    expect(RUN_HELP).toContain('--encoding <enc>');
  });
});
