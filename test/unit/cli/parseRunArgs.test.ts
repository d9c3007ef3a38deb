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
    [['--bogus', 'f.ts'], "Unknown option '--bogus'"],
    [[], 'adf run needs a flow file or --source'],
    [['f.ts', '--source', 'file'], 'give either a flow file or --source, not both'],
  ])('rejects %j with a message naming the flag', (args, message) => {
    expect(() => parseRunArgs(args)).toThrow(ConfigError);
    expect(() => parseRunArgs(args)).toThrow(message);
  });
});
