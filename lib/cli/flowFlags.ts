import { z } from 'zod';
import { ConfigError } from '../errors';
import type { FlowOptions } from '../flow/FlowRef';
import type { ErrorBudgetOptions } from '../runtime/ErrorBudget';
import { parseAfterFinishFlag, parseFollowSymlinksFlag, parseMinFileAgeFlag, parseSplitSizeFlag } from '../sources/file/FileSourceFlags';

/** The flag form of a flow's source and sink, shared by `adf run`, `adf replay-dead-letters` and `adf dev`. */
export const FLOW_FLAG_OPTIONS = {
  source: { type: 'string' }, path: { type: 'string' }, format: { type: 'string' },
  include: { type: 'string', multiple: true }, exclude: { type: 'string', multiple: true },
  'no-recursive': { type: 'boolean' }, delimiter: { type: 'string' }, quote: { type: 'string' },
  'split-size': { type: 'string' }, 'after-finish': { type: 'string' }, 'min-file-age': { type: 'string' }, 'follow-symlinks': { type: 'string' },
  encoding: { type: 'string' }, 'csv-duplicate-headers': { type: 'string' },
  'redis-url': { type: 'string' }, topic: { type: 'string' }, partitions: { type: 'string' },
  group: { type: 'string' }, until: { type: 'string' }, start: { type: 'string' },
  sink: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' }, 'dead-letter': { type: 'string' },
  'batch-size': { type: 'string' }, 'error-budget': { type: 'string' }, 'error-budget-after': { type: 'string' },
  'key-field': { type: 'string' },
} as const;

export type FlowFlagValues = { readonly [K in keyof typeof FLOW_FLAG_OPTIONS]?: (typeof FLOW_FLAG_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof FLOW_FLAG_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/**
 * The flags only one source understands. Given with another source they would be ignored
 * without a word (`--until latest` on a file source), so they are refused instead.
 */
const SOURCE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  file: ['path', 'format', 'include', 'exclude', 'no-recursive', 'delimiter', 'quote', 'split-size', 'after-finish', 'min-file-age', 'follow-symlinks', 'encoding', 'csv-duplicate-headers'],
  rafka: ['redis-url', 'topic', 'partitions', 'group', 'until', 'start'],
};
const SOURCE_ALIASES: Readonly<Record<string, string>> = { 'redis-stream': 'rafka' };
/** A sink that needs a source-looking flag: the Redis stream sink takes --redis-url too. */
const SINK_FLAGS: Readonly<Record<string, readonly string[]>> = { 'redis-stream': ['redis-url'], rafka: ['redis-url', 'topic'] };
/** Sinks that write nowhere --out could name. */
const SINKS_WITHOUT_OUT = new Set(['stdout', 'null']);

export function intFlag(flag: string, min: number, max: number) {
  return z.coerce
    .number({ error: `--${flag} must be a whole number` })
    .int(`--${flag} must be a whole number`)
    .min(min, `--${flag} must be between ${min} and ${max}`)
    .max(max, `--${flag} must be between ${min} and ${max}`)
    .optional();
}

const FlowNumbers = z.object({
  'batch-size': intFlag('batch-size', 1, 1_000_000),
  partitions: intFlag('partitions', 1, 65_536),
  'error-budget-after': intFlag('error-budget-after', 1, 1_000_000_000),
});

/** Zod's first issue as a ConfigError naming the flag and the value given. */
export function parseNumbers<T extends z.ZodType>(schema: T, values: Record<string, unknown>): z.infer<T> {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ConfigError(`${issue.message} (got ${JSON.stringify(values[issue.path[0] as string])})`, { context: { field: String(issue.path[0]) } });
}

/** Flags of the flag form given although the flow comes from elsewhere (a flow file, --flow-json). */
export function assertNoFlowFlags(v: FlowFlagValues, from: string, allowed: readonly string[] = []): void {
  const given = Object.keys(FLOW_FLAG_OPTIONS).filter((flag) => v[flag as keyof FlowFlagValues] !== undefined && !allowed.includes(flag));
  if (given.length > 0) throw new ConfigError(`--${given[0]} belongs to the flag form (--source …); ${from} sets its own flow`, { context: { field: given[0]! } });
}

/**
 * `--source … --sink …` → the flow options the registry builds a flow from, checked here so
 * that every mistake is one line naming the flag: `--path is required`, a flag of another
 * source, `--out` where the sink writes nowhere. `--out` without `--sink` means a JSONL
 * directory (printing 40,000 records to the terminal instead was never what was meant).
 */
export function flowOptionsFromFlags(v: FlowFlagValues): FlowOptions {
  const n = parseNumbers(FlowNumbers, v);
  const source = v.source ?? '';
  const sink = v.sink ?? (v.out !== undefined ? 'jsonl' : 'stdout');
  const own = SOURCE_FLAGS[SOURCE_ALIASES[source] ?? source];
  if (own) {
    for (const [other, flags] of Object.entries(SOURCE_FLAGS)) {
      if (flags === own) continue;
      const stray = flags.find((flag) => v[flag as keyof FlowFlagValues] !== undefined && !(SINK_FLAGS[sink] ?? []).includes(flag));
      if (stray) throw new ConfigError(`--${stray} is a flag of --source ${other}, not of --source ${source}`, { context: { field: stray } });
    }
  }
  if ((SOURCE_ALIASES[source] ?? source) === 'file' && (v.path === undefined || v.path === '')) throw new ConfigError('--path is required for --source file', { context: { field: 'path' } });
  if (v.out !== undefined && SINKS_WITHOUT_OUT.has(sink)) throw new ConfigError(`--out makes no sense with --sink ${sink} (use --sink jsonl for a directory)`, { context: { field: 'out' } });
  if (v.until !== undefined && v.until !== 'latest') throw new ConfigError(`--until must be latest (got ${JSON.stringify(v.until)})`, { context: { field: 'until' } });
  return {
    // An unset name stays unset: the flow is then named <source>-to-<sink> (flowFromOptions), and
    // the embedded runtime tells an unnamed run by it (its state directory is keyed by input and output).
    name: v.name, source, sink, path: v.path, format: v.format,
    include: v.include, exclude: v.exclude, recursive: v['no-recursive'] ? false : undefined,
    delimiter: v.delimiter, quote: v.quote, out: v.out, deadLetter: v['dead-letter'], batchSize: n['batch-size'],
    redisUrl: v['redis-url'], topic: v.topic, partitions: n.partitions, group: v.group, until: v.until, start: v.start, keyField: v['key-field'],
    splitSize: v['split-size'] === undefined ? undefined : parseSplitSizeFlag(v['split-size']),
    afterFinish: v['after-finish'] === undefined ? undefined : parseAfterFinishFlag(v['after-finish']),
    minFileAge: v['min-file-age'] === undefined ? undefined : parseMinFileAgeFlag(v['min-file-age']),
    followSymlinks: v['follow-symlinks'] === undefined ? undefined : parseFollowSymlinksFlag(v['follow-symlinks']),
    errorBudget: errorBudgetFlags(v['error-budget'], n['error-budget-after']),
    // Checked with the other source options (the message names the option and the values).
    encoding: v.encoding, csvDuplicateHeaders: v['csv-duplicate-headers'],
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
