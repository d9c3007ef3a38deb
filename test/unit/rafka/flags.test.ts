import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseRunArgs } from '../../../lib/cli/parseRunArgs';
import { RUN_HELP } from '../../../lib/cli/help';
import { ConfigError } from '../../../lib/errors';
import { flowFromOptions } from '../../../lib/flow';
import { RafkaSource } from '../../../lib/sources/rafka';
import { effectiveMaxAttempts } from '../../../lib/source-support';
import { RedisStreamSink } from '../../../lib/sinks/redis';

const rafkaArgs = ['--source', 'rafka', '--redis-url', 'redis://127.0.0.1:6390', '--topic', 'orders', '--partitions', '8', '--group', 'billing', '--until', 'latest', '--start', 'latest'];

describe('rafka flags', () => {
  it('reads the rafka flags into the flow options', () => {
    const cmd = parseRunArgs([...rafkaArgs, '--sink', 'redis-stream', '--out', 'orders:copy']);
    expect(cmd.ref).toMatchObject({ kind: 'options', options: { source: 'rafka', redisUrl: 'redis://127.0.0.1:6390', topic: 'orders', partitions: 8, group: 'billing', until: 'latest', start: 'latest', sink: 'redis-stream', out: 'orders:copy' } });
    expect(parseRunArgs([...rafkaArgs, '--max-attempts', '2']).runtime.maxAttempts).toBe(2);
    expect(parseRunArgs(['--source', 'file', '--path', '.']).runtime.maxAttempts).toBeUndefined();
  });

  it('makes every runtime allow a rafka split more attempts than an entry has deliveries', () => {
    // Each failed attempt is one more delivery of the entry that failed it: a poison entry must
    // reach the dead-letter stream (at maxDeliveries) before its partition could be FAILED.
    const source = new RafkaSource({ url: 'redis://127.0.0.1:6390', topic: 'orders', partitions: 1, maxDeliveries: 5 });
    expect(source.minAttempts).toBe(6);
    expect(effectiveMaxAttempts(3, source)).toBe(6);
    expect(effectiveMaxAttempts(2, source)).toBe(6);
    expect(effectiveMaxAttempts(10, source)).toBe(10);
    expect(effectiveMaxAttempts(3, {})).toBe(3);
  });

  it.each([
    [['--source', 'rafka', '--topic', 't', '--partitions', '0'], '--partitions must be between 1 and 65536 (got "0")'],
    [['--source', 'rafka', '--topic', 't', '--until', 'soon'], '--until must be latest (got "soon")'],
  ])('rejects %j naming the flag', (args, message) => {
    expect(() => parseRunArgs(args)).toThrow(ConfigError);
    expect(() => parseRunArgs(args)).toThrow(message);
  });

  it('builds a rafka flow from flags (alias redis-stream), the group defaulting to the flow name', () => {
    const cmd = parseRunArgs(['--source', 'redis-stream', '--redis-url', 'redis://127.0.0.1:6390', '--topic', 'orders', '--sink', 'redis-stream', '--out', 'copy', '--name', 'mirror']);
    const flow = flowFromOptions((cmd.ref as { options: Parameters<typeof flowFromOptions>[0] }).options);
    expect(flow.source).toBeInstanceOf(RafkaSource);
    expect((flow.source as RafkaSource).config).toMatchObject({ topic: 'orders', group: 'mirror', partitions: undefined, until: undefined, startId: '0' });
    expect(flow.sink).toBeInstanceOf(RedisStreamSink);
    expect((flow.sink as RedisStreamSink).options).toMatchObject({ stream: 'copy', connection: { url: 'redis://127.0.0.1:6390' } });
  });

  it('says what is missing or wrong, naming the flag or field', () => {
    expect(() => flowFromOptions({ source: 'rafka', sink: 'stdout' })).toThrow('--topic is required for --source rafka / --sink stdout');
    expect(() => flowFromOptions({ source: 'rafka', sink: 'redis-stream', topic: 't' })).toThrow('--out is required for --source rafka / --sink redis-stream');
    expect(() => flowFromOptions({ source: 'rafka', sink: 'stdout', topic: 't', start: 'now' })).toThrow('rafka source: start must be earliest, latest or a stream entry id');
  });

  it('documents the flags', () => {
    for (const flag of ['--redis-url', '--topic', '--partitions', '--group', '--until latest', '--start', 'redis-stream']) expect(RUN_HELP).toContain(flag);
  });

  it('keeps ioredis out of the file-only entry points', () => {
    // A fresh process: jest's module registry does not show what Node would load.
    const root = join(__dirname, '../../..');
    const script = `
      require('./lib/sinks'); require('./lib/cli/parseRunArgs');
      require('./lib/flow').flowFromOptions({ source: 'file', path: '.', sink: 'null' });
      const loaded = Object.keys(require.cache).filter((k) => k.includes('node_modules/ioredis'));
      process.stdout.write(String(loaded.length));`;
    const loaded = (env: Record<string, string | undefined>) => execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(loaded({ ADF_SOURCE: 'file' })).toBe('0'); // a file-only Lambda bundle
    expect(loaded({ ADF_SOURCE: undefined })).toBe('0'); // the CLI registers rafka, but loads ioredis only on use
  });

  it('keeps the file source out of a Rafka flow (its reader threads start faster)', () => {
    const root = join(__dirname, '../../..');
    const script = `
      require('./lib/builtins').registerBuiltins();
      require('./lib/flow').flowFromOptions({ source: 'rafka', topic: 'orders', partitions: 2, sink: 'null' });
      const loaded = Object.keys(require.cache).filter((k) => k.includes('lib/sources/file/') || k.includes('node_modules/csv-parse'));
      process.stdout.write(String(loaded.length));`;
    expect(execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: root, encoding: 'utf8' })).toBe('1'); // its register module only
  });
});
