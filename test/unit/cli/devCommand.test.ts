import { devFlow, formatDevSummary, formatInvocation, parseDevArgs, parseDuration } from '../../../lib/cli/devCommand';
import { ConfigError } from '../../../lib/errors';

describe('parseDevArgs', () => {
  it('has defaults that match serverless.yml', () => {
    const cmd = parseDevArgs([]);
    expect(cmd).toMatchObject({ flow: undefined, enumerateEveryMs: 60_000, failureHandlerEveryMs: 30_000, messagesPerInvocation: 1, readerTimeoutMs: 120_000, once: false });
    expect(cmd.visibilityTimeoutSeconds).toBeUndefined();
  });

  it('reads the loop options', () => {
    const cmd = parseDevArgs(['--enumerate-every', '2m', '--failure-handler-every', 'off', '--messages-per-invocation', '10', '--visibility-timeout', '30', '--reader-timeout', '5', '--once']);
    expect(cmd).toMatchObject({ enumerateEveryMs: 120_000, failureHandlerEveryMs: 0, messagesPerInvocation: 10, visibilityTimeoutSeconds: 30, readerTimeoutMs: 5_000, once: true });
  });

  it('takes the flow as JSON', () => {
    const cmd = parseDevArgs(['--flow-json', '{"name":"orders","source":"file","path":"s3://b/in/","sink":"s3","out":"s3://b/out/"}']);
    expect(cmd.flow).toEqual({ name: 'orders', source: 'file', path: 's3://b/in/', sink: 's3', out: 's3://b/out/' });
  });

  it('builds the flow from flags, leaving unset options out', () => {
    const cmd = parseDevArgs(['--source', 'file', '--path', './data', '--sink', 'jsonl', '--out', './out', '--include', '*.csv']);
    expect(cmd.flow).toEqual({ source: 'file', path: './data', sink: 'jsonl', out: './out', include: ['*.csv'] });
  });

  it('takes every source flag adf run takes, with the same checks', () => {
    const cmd = parseDevArgs(['--source', 'rafka', '--redis-url', 'redis://h:1', '--topic', 't', '--until', 'latest', '--partitions', '4', '--out', 'o', '--batch-size', '100']);
    expect(cmd.flow).toEqual({ source: 'rafka', sink: 'jsonl', out: 'o', redisUrl: 'redis://h:1', topic: 't', until: 'latest', partitions: 4, batchSize: 100 });
    expect(() => parseDevArgs(['--source', 'file', '--path', 'd', '--until', 'latest'])).toThrow('--until is a flag of --source rafka, not of --source file');
    expect(() => parseDevArgs(['--source', 'file'])).toThrow('--path is required for --source file');
  });

  it('defaults the name like adf run and keeps bad records in a directory of the flow\'s own', () => {
    expect(devFlow({ source: 'file', sink: 's3', path: 's3://b/in/' }, '/work')).toEqual({ name: 'file-to-s3', source: 'file', sink: 's3', path: 's3://b/in/', deadLetter: '/work/.adf/file-to-s3/dead-letter' });
    expect(devFlow({ name: 'orders', source: 'file', sink: 's3', deadLetter: 's3://b/dl/' }, '/work')).toMatchObject({ name: 'orders', deadLetter: 's3://b/dl/' });
  });

  it.each([
    [['--messages-per-invocation', '11'], '--messages-per-invocation must be between 1 and 10 (got "11")'],
    [['--flow-json', '{}', '--path', 'd'], '--path belongs to the flag form'],
    [['--reader-timeout', 'long'], '--reader-timeout must be a whole number (got "long")'],
    [['--enumerate-every', 'soon'], '--enumerate-every must be a duration such as 30s, 5m, 500ms or off (got "soon")'],
    [['--flow-json', '{nope'], '--flow-json must be JSON'],
    [['--flow-json', '[1]'], '--flow-json must be a JSON object'],
    [['--flow-json', '{}', '--source', 'file'], '--source belongs to the flag form (--source …); --flow-json sets its own flow'],
    [['--bogus'], 'unknown flag --bogus'],
  ])('rejects %j with a message naming the flag', (args, message) => {
    expect(() => parseDevArgs(args)).toThrow(ConfigError);
    expect(() => parseDevArgs(args)).toThrow(message);
  });
});

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['90', 90_000],
    ['1.5s', 1_500],
    ['off', 0],
  ])('reads %s', (text, ms) => {
    expect(parseDuration('every', text)).toBe(ms);
  });
});

describe('formatInvocation', () => {
  const base = { requestId: 'r', durationMs: 1_234 };

  it('sums up a reader batch', () => {
    expect(formatInvocation({ ...base, function: 'reader', outcome: 'ok', messages: 5, deleted: 4, retried: 1 })).toBe(
      'reader         ok         1.2s  messages=5 deleted=4 retried=1',
    );
  });

  it('shows the enumerator result counters', () => {
    const line = formatInvocation({ ...base, durationMs: 12, function: 'enumerator', outcome: 'ok', result: { flow: 'f', discovered: 3, created: 2, discoveryDone: true, counts: {} } });
    expect(line).toBe('enumerator     ok         12ms  discovered=3 created=2 discoveryDone=true');
  });

  it('stays quiet about an idle failure handler unless verbose', () => {
    const idle = { ...base, function: 'failureHandler' as const, outcome: 'ok' as const, result: { reclaimed: 0, failed: 0, resent: 0 } };
    expect(formatInvocation(idle)).toBeUndefined();
    expect(formatInvocation(idle, true)).toContain('reclaimed=0');
    expect(formatInvocation({ ...idle, result: { reclaimed: 1, failed: 0, resent: 0 } })).toContain('reclaimed=1');
  });

  it('reports errors with their message', () => {
    expect(formatInvocation({ ...base, function: 'reader', outcome: 'timeout', error: new Error('reader timed out after 5 ms') })).toContain('timeout');
  });
});

describe('formatDevSummary', () => {
  it('names every counter', () => {
    const line = formatDevSummary({ invocations: { enumerator: 1, reader: 2, failureHandler: 3 }, errors: 0, timeouts: 0, messagesReceived: 4, messagesDeleted: 4, messagesRetried: 0 });
    expect(line).toBe('invocations: enumerator 1, reader 2, failure handler 3; messages: received 4, deleted 4, retried 0; errors 0, timeouts 0');
  });
});
