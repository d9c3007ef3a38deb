import { ConfigError } from '../../errors/AdfError';

/**
 * Parsers for the file source's values that people type (CLI flags, ADF_FLOW JSON). Kept
 * free of heavy imports: the CLI loads this module to check flags before anything runs.
 */

/** What to do with a file once all of its splits are FINISHED. */
export type AfterFinish = 'leave' | 'delete' | { readonly moveTo: string };

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * A byte count: a whole number, or a number with a binary suffix k, M, G or T (optionally
 * followed by B or iB: 64M = 64MB = 64MiB = 67108864). Undefined when `value` is not one.
 *
 * @example
 * parseByteSize('64M'); // 67108864
 * parseByteSize(1024);  // 1024
 */
export function parseByteSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/**
 * `--after-finish leave|delete|move:<dest>` as the `afterFinish` option.
 *
 * @example
 * parseAfterFinishFlag('move:s3://in-bucket/archive/'); // { moveTo: 's3://in-bucket/archive/' }
 */
export function parseAfterFinishFlag(value: string, flag = '--after-finish'): AfterFinish {
  if (value === 'leave' || value === 'delete') return value;
  if (value.startsWith('move:') && value.length > 'move:'.length) return { moveTo: value.slice('move:'.length) };
  throw new ConfigError(`${flag} must be leave, delete or move:<dir or s3://bucket/prefix/> (got ${JSON.stringify(value)})`, {
    context: { field: 'afterFinish' },
  });
}

/**
 * `--split-size <bytes>` as a number of bytes, or a ConfigError naming the flag.
 *
 * @example
 * parseSplitSizeFlag('128M'); // 134217728
 */
export function parseSplitSizeFlag(value: string, flag = '--split-size'): number {
  const bytes = parseByteSize(value);
  if (bytes === undefined || bytes < 1) {
    throw new ConfigError(`${flag} must be a positive number of bytes, optionally with a k, M or G suffix (e.g. 64M) (got ${JSON.stringify(value)})`, {
      context: { field: 'splitSize' },
    });
  }
  return bytes;
}

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/;
const DURATION_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in milliseconds: a number of milliseconds, or a string such as `30s`, `5m`,
 * `500ms`, `1h` (a bare number in a string is seconds, as in the CLI). Undefined when `value` is not one.
 *
 * @example
 * parseDurationMs('30s'); // 30000
 */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value);
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * DURATION_MS[match[2] ?? 's']!);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** `--min-file-age 30s` in milliseconds, or a ConfigError naming the flag. */
export function parseMinFileAgeFlag(value: string, flag = '--min-file-age'): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) throw new ConfigError(`${flag} must be a duration such as 30s, 5m, 500ms or 1h (got ${JSON.stringify(value)})`, { context: { field: 'minFileAge' } });
  return ms;
}

/**
 * `--follow-symlinks within-root|any|never` as the `followSymlinks` option.
 *
 * @example
 * parseFollowSymlinksFlag('never'); // 'never'
 */
export function parseFollowSymlinksFlag(value: string, flag = '--follow-symlinks'): 'within-root' | 'any' | 'never' {
  if (value === 'within-root' || value === 'any' || value === 'never') return value;
  throw new ConfigError(`${flag} must be within-root, any or never (got ${JSON.stringify(value)})`, { context: { field: 'followSymlinks' } });
}
