import { z } from 'zod';
import { ConfigError } from '../errors';
import type { FlowRef } from '../flow/FlowRef';
import type { EmbeddedRunOptions } from '../runtime/embedded';
import { parseAfterFinishFlag, parseFollowSymlinksFlag, parseMinFileAgeFlag, parseSplitSizeFlag } from '../sources/file/FileSourceFlags';
import type { ErrorBudgetOptions } from '../runtime/ErrorBudget';
import { parseCommandArgs } from './parseCommandArgs';

export interface RunCommand {
  readonly ref: FlowRef;
  readonly runtime: Omit<EmbeddedRunOptions, 'signal' | 'log'>;
  readonly verbose: boolean;
  readonly help: boolean;
}

const OPTIONS = {
  source: { type: 'string' }, path: { type: 'string' }, format: { type: 'string' },
  include: { type: 'string', multiple: true }, exclude: { type: 'string', multiple: true },
  'no-recursive': { type: 'boolean' }, delimiter: { type: 'string' }, quote: { type: 'string' },
  sink: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' },
  parallelism: { type: 'string' }, 'batch-size': { type: 'string' }, 'batch-bytes': { type: 'string' },
  'state-dir': { type: 'string' }, 'dead-letter': { type: 'string' }, fresh: { type: 'boolean' },
  'max-attempts': { type: 'string' }, export: { type: 'string' }, quiet: { type: 'boolean' },
  verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  'redis-url': { type: 'string' }, topic: { type: 'string' }, partitions: { type: 'string' },
  group: { type: 'string' }, until: { type: 'string' }, start: { type: 'string' },
  'split-size': { type: 'string' }, 'after-finish': { type: 'string' }, 'min-file-age': { type: 'string' }, 'follow-symlinks': { type: 'string' },
  'error-budget': { type: 'string' }, 'error-budget-after': { type: 'string' }, 'no-retry-failed': { type: 'boolean' },
  encoding: { type: 'string' }, 'csv-duplicate-headers': { type: 'string' },
} as const;


function intFlag(flag: string, min: number, max: number) {
  return z.coerce
    .number({ error: `--${flag} must be a whole number` })
    .int(`--${flag} must be a whole number`)
    .min(min, `--${flag} must be between ${min} and ${max}`)
    .max(max, `--${flag} must be between ${min} and ${max}`)
    .optional();
}

const Numbers = z.object({
  parallelism: intFlag('parallelism', 1, 256),
  'batch-size': intFlag('batch-size', 1, 1_000_000),
  'batch-bytes': intFlag('batch-bytes', 1024, 1024 ** 3),
  'max-attempts': intFlag('max-attempts', 1, 100),
  partitions: intFlag('partitions', 1, 65_536),
  'error-budget-after': intFlag('error-budget-after', 1, 1_000_000_000),
});

/** Parses `adf run` arguments; every mistake is a ConfigError naming the flag. */
export function parseRunArgs(args: string[]): RunCommand {
  const { values: v, positionals } = parseCommandArgs('run', { args, options: OPTIONS, allowPositionals: true });
  const numbers = Numbers.safeParse(v);
  if (!numbers.success) {
    const issue = numbers.error.issues[0]!;
    throw new ConfigError(`${issue.message} (got ${JSON.stringify(v[issue.path[0] as keyof typeof v])})`, { context: { field: String(issue.path[0]) } });
  }
  const n = numbers.data;
  if (positionals.length > 1) throw new ConfigError(`adf run takes one flow file (got ${positionals.join(' ')})`);
  const flowFile = positionals[0];
  if (!flowFile && !v.source && !v.help) throw new ConfigError('adf run needs a flow file or --source (see adf run --help)');
  if (flowFile && v.source) throw new ConfigError('give either a flow file or --source, not both');
  if (v.until !== undefined && v.until !== 'latest') throw new ConfigError(`--until must be latest (got ${JSON.stringify(v.until)})`, { context: { field: 'until' } });

  const ref: FlowRef = flowFile
    ? { kind: 'module', path: flowFile, exportName: v.export }
    : {
        kind: 'options',
        options: {
          name: v.name, source: v.source ?? '', sink: v.sink ?? 'stdout', path: v.path, format: v.format,
          include: v.include, exclude: v.exclude, recursive: v['no-recursive'] ? false : undefined,
          delimiter: v.delimiter, quote: v.quote, out: v.out, deadLetter: v['dead-letter'], batchSize: n['batch-size'],
          redisUrl: v['redis-url'], topic: v.topic, partitions: n.partitions, group: v.group, until: v.until, start: v.start,
          splitSize: v['split-size'] === undefined ? undefined : parseSplitSizeFlag(v['split-size']),
          afterFinish: v['after-finish'] === undefined ? undefined : parseAfterFinishFlag(v['after-finish']),
          minFileAge: v['min-file-age'] === undefined ? undefined : parseMinFileAgeFlag(v['min-file-age']),
          followSymlinks: v['follow-symlinks'] === undefined ? undefined : parseFollowSymlinksFlag(v['follow-symlinks']),
          errorBudget: errorBudgetFlags(v['error-budget'], n['error-budget-after']),
          // Checked with the other source options (the message names the option and the values).
          encoding: v.encoding, csvDuplicateHeaders: v['csv-duplicate-headers'],
        },
      };
  return {
    ref,
    verbose: v.verbose ?? false,
    help: v.help ?? false,
    runtime: {
      parallelism: n.parallelism,
      stateDir: v['state-dir'],
      fresh: v.fresh,
      retryFailed: !v['no-retry-failed'],
      // A source that needs more attempts (Rafka: maxDeliveries + 1) raises this itself (Source.minAttempts).
      maxAttempts: n['max-attempts'],
      progress: !v.quiet,
      limits: { ...(n['batch-size'] ? { maxRecords: n['batch-size'] } : {}), ...(n['batch-bytes'] ? { maxBytes: n['batch-bytes'] } : {}) },
    },
  };
}

/** `--error-budget 0.2|off` and `--error-budget-after N` → a flow's `errorBudget`. */
function errorBudgetFlags(share: string | undefined, after: number | undefined): ErrorBudgetOptions | false | undefined {
  if (share === 'off') {
    if (after !== undefined) throw new ConfigError('--error-budget-after makes no sense with --error-budget off', { context: { field: 'error-budget-after' } });
    return false;
  }
  if (share === undefined && after === undefined) return undefined;
  const maxFailureShare = share === undefined ? undefined : Number(share);
  if (maxFailureShare !== undefined && (share!.trim() === '' || !Number.isFinite(maxFailureShare) || maxFailureShare < 0 || maxFailureShare > 1)) {
    throw new ConfigError(`--error-budget must be a share between 0 and 1, or off (got ${JSON.stringify(share)})`, { context: { field: 'error-budget' } });
  }
  return { ...(maxFailureShare !== undefined ? { maxFailureShare } : {}), ...(after !== undefined ? { afterRecords: after } : {}) };
}
