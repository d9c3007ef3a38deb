import { parseRunArgs } from '../../../lib/cli/parseRunArgs';
import { ConfigError } from '../../../lib/errors';

describe('parseRunArgs', () => {
  it('reads a flow file and runtime options', () => {
    const cmd = parseRunArgs(['flows/a.ts', '--parallelism', '2', '--batch-size', '100', '--fresh', '--quiet']);
    expect(cmd.ref).toEqual({ kind: 'module', path: 'flows/a.ts', exportName: undefined });
    expect(cmd.runtime).toMatchObject({ parallelism: 2, fresh: true, progress: false, limits: { maxRecords: 100 } });
  });

  it('reads the flag form', () => {
    const cmd = parseRunArgs(['--source', 'file', '--path', './data', '--format', 'csv', '--sink', 'jsonl', '--out', './out', '--include', '*.csv', '--include', '*.gz']);
    expect(cmd.ref).toMatchObject({ kind: 'options', options: { source: 'file', path: './data', format: 'csv', sink: 'jsonl', out: './out', include: ['*.csv', '*.gz'] } });
  });

  it.each([
    [['--parallelism', '0', 'f.ts'], '--parallelism must be between 1 and 256 (got "0")'],
    [['--batch-size', 'many', 'f.ts'], '--batch-size must be a whole number (got "many")'],
    [['--bogus', 'f.ts'], 'unknown flag --bogus (see adf run --help)'],
    [['--source', 'file', '--pth', 'd'], 'unknown flag --pth (did you mean --path?)'],
    [['--source', 'file', '--path', 'd', '--paralelism', '2'], 'unknown flag --paralelism (did you mean --parallelism?)'],
    [['--source', 'file', '--path'], '--path needs a value'],
    [['--source', 'file', '--sink', 'null'], '--path is required for --source file'],
    [['--source', 'file', '--path', 'd', '--until', 'latest'], '--until is a flag of --source rafka, not of --source file'],
    [['--source', 'rafka', '--topic', 't', '--include', '*.csv'], '--include is a flag of --source file, not of --source rafka'],
    [['--source', 'file', '--path', 'd', '--sink', 'stdout', '--out', 'o'], '--out makes no sense with --sink stdout'],
    [[], 'adf run needs a flow file or --source'],
    [['f.ts', '--source', 'file'], 'give either a flow file or --source, not both'],
  ])('rejects %j with a message naming the flag', (args, message) => {
    expect(() => parseRunArgs(args)).toThrow(ConfigError);
    expect(() => parseRunArgs(args)).toThrow(message);
  });

  it('writes JSONL into --out when no --sink is given, instead of printing the records and ignoring --out', () => {
    const cmd = parseRunArgs(['--source', 'file', '--path', 'd', '--out', 'o']);
    expect(cmd.ref).toMatchObject({ kind: 'options', options: { sink: 'jsonl', out: 'o' } });
    expect(parseRunArgs(['--source', 'file', '--path', 'd']).ref).toMatchObject({ options: { sink: 'stdout' } });
  });

  it('lets the Redis stream sink take --redis-url with a file source', () => {
    const cmd = parseRunArgs(['--source', 'file', '--path', 'd', '--sink', 'redis-stream', '--out', 's', '--redis-url', 'redis://h:1']);
    expect(cmd.ref).toMatchObject({ options: { redisUrl: 'redis://h:1', sink: 'redis-stream' } });
  });
});
