import type { S3Client } from '@aws-sdk/client-s3';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { lazySchema, type ZodApi } from '../../util/lazySchema';
import { ConfigError } from '../../errors/AdfError';
import { DEFAULT_BATCH_LIMITS, type BatchLimits } from '../../source-support/RecordBatch';
import { isS3Uri, parseS3Uri } from '../../util/s3Uri';
import { parseByteSize, parseDurationMs, type AfterFinish } from './FileSourceFlags';
import type { FileFormat } from './FileSplit';
import type { FormatOptions } from './format/RecordCursorFactory';
import { TEXT_ENCODINGS, type TextEncoding } from './format/TextEncoding';

/** Options of `fileSource()`, as a flow file writes them. */
export interface FileSourceOptions {
  /**
   * A directory (read recursively by default) or a single file; or `s3://bucket/prefix`,
   * read as the directory `prefix/` (or as one object when nothing lies under it).
   */
  readonly path: string;
  /** Read every file in this format instead of inferring it from the extension. */
  readonly format?: FileFormat;
  /** Globs; one without a `/` matches the file name at any depth, one with a `/` the relative path. */
  readonly include?: string | readonly string[];
  readonly exclude?: string | readonly string[];
  readonly recursive?: boolean;
  readonly csv?: {
    /** Default ',' (a tab for .tsv files). */
    readonly delimiter?: string;
    readonly quote?: string;
    /** Default: the quote character. */
    readonly escape?: string;
    /** Whether the first row names the columns (default true). */
    readonly header?: boolean;
    /** Column names; with `header: true` they replace the names in the header row. */
    readonly columns?: readonly string[];
    /** A header naming a column twice: 'error' (default: the file is dead-lettered) or 'rename' (`v`, `v_2`). */
    readonly duplicateHeaders?: 'error' | 'rename';
  };
  /**
   * Text encoding of files without a byte order mark: 'utf-8' (default), 'utf-16le',
   * 'utf-16be' or 'latin1'. A BOM (UTF-8, UTF-16 LE/BE) decides for its file.
   */
  readonly encoding?: TextEncoding;
  readonly maxRecordsPerBatch?: number;
  readonly maxBytesPerBatch?: number;
  /** Longest CSV record or JSON line; a longer one is dead-lettered. */
  readonly maxRecordBytes?: number;
  /** Files per discovery page. */
  readonly discoveryPageSize?: number;
  /**
   * An uncompressed CSV or JSON Lines file larger than this is read as several byte-range
   * splits of about this size. Bytes, or a string with a k/M/G suffix ('64M'). Default 64 MiB.
   */
  readonly splitSize?: number | string;
  /** A discovery pass stops after this many files; the next pass (run) continues after them. */
  readonly maxFilesPerRun?: number;
  /** Only files modified after this instant: an ISO 8601 date, epoch milliseconds, or a Date. */
  readonly newerThan?: string | number | Date;
  /**
   * Skip files modified less than this long ago (still being written?); a later run reads them.
   * Milliseconds, or a string such as '30s', '5m'. Default: none.
   */
  readonly minFileAge?: number | string;
  /**
   * What happens to a file once all of its splits are FINISHED: 'leave' it (default),
   * 'delete' it, or move it under `moveTo` (same kind of location as `path`, outside it),
   * keeping its path relative to `path`.
   */
  readonly afterFinish?: AfterFinish;
  /** The S3 client for s3:// paths (default: one built from the environment, AWS_ENDPOINT_URL_S3 …). */
  readonly s3Client?: S3Client;
  /**
   * Local input only: which symbolic links to files are read. 'within-root' (default) reads a
   * link whose target lies under `path` (after resolving every link) and skips, with a warning,
   * one pointing outside; 'any' reads every link; 'never' skips every link. Links to
   * directories are never followed.
   */
  readonly followSymlinks?: FollowSymlinks;
}

/** Which input symlinks the local file source reads (see FileSourceOptions.followSymlinks). */
export type FollowSymlinks = 'within-root' | 'any' | 'never';
export const FOLLOW_SYMLINKS: readonly FollowSymlinks[] = ['within-root', 'any', 'never'];

/** Every default of the file source, in one place. */
export const FILE_SOURCE_DEFAULTS = Object.freeze({
  recursive: true,
  csv: Object.freeze({ quote: '"', header: true, duplicateHeaders: 'error' as const }),
  encoding: 'utf-8' as TextEncoding,
  maxRecordsPerBatch: DEFAULT_BATCH_LIMITS.maxRecords,
  maxBytesPerBatch: DEFAULT_BATCH_LIMITS.maxBytes,
  maxRecordBytes: 16 * 1024 * 1024,
  discoveryPageSize: 1000,
  splitSize: 64 * 1024 * 1024,
  afterFinish: 'leave' as AfterFinish,
  followSymlinks: 'within-root' as FollowSymlinks,
});

/** The after-finish action, resolved: a move names its destination as an absolute path or s3:// prefix ending in '/'. */
export type AfterFinishAction = { readonly action: 'leave' } | { readonly action: 'delete' } | { readonly action: 'move'; readonly to: string };

/** Options after validation, with defaults applied and a local path made absolute. */
export interface FileSourceConfig {
  /** An absolute local path or an `s3://` url. */
  readonly path: string;
  readonly format?: FileFormat;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly recursive: boolean;
  readonly formats: FormatOptions;
  readonly limits: Pick<BatchLimits, 'maxRecords' | 'maxBytes'>;
  readonly discoveryPageSize: number;
  readonly splitSize: number;
  readonly maxFilesPerRun?: number;
  /** Epoch milliseconds. */
  readonly newerThan?: number;
  /** Milliseconds. */
  readonly minFileAge?: number;
  readonly afterFinish: AfterFinishAction;
  readonly s3Client?: S3Client;
  readonly followSymlinks: FollowSymlinks;
}

const GiB = 1024 * 1024 * 1024;

const MAX_SPLIT_SIZE = Number.MAX_SAFE_INTEGER;

/** Built on first use (lazySchema): zod is not loaded while a Lambda bundle initialises. */
function buildSchema(z: ZodApi) {
  const intBetween = (min: number, max: number) => {
    const range = { error: `must be between ${min} and ${max}` };
    return z.int({ error: `must be an integer between ${min} and ${max}` }).min(min, range).max(max, range);
  };
  const globs = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
    error: 'must be a non-empty glob or a non-empty array of non-empty globs',
  });
  const character = z.string({ error: 'must be a single character' }).length(1, { error: 'must be a single character' });
  const byteSize = z.custom<number | string>((value) => {
    const bytes = parseByteSize(value);
    return bytes !== undefined && bytes >= 1;
  }, { error: `must be a number of bytes between 1 and ${MAX_SPLIT_SIZE}, or a size like "64M" (k, M, G suffixes)` });
  const instant = z.custom<string | number | Date>((value) => toEpochMs(value) !== undefined, {
    error: 'must be an ISO 8601 date (e.g. "2024-05-01T00:00:00Z"), epoch milliseconds or a Date',
  });
  const duration = z.custom<number | string>((value) => parseDurationMs(value) !== undefined, {
    error: 'must be a duration: milliseconds, or a string such as "30s", "5m", "500ms", "1h"',
  });
  const afterFinish = z.union([z.literal('leave'), z.literal('delete'), z.strictObject({ moveTo: z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' }) })], {
    error: `must be 'leave', 'delete' or { moveTo: 's3://bucket/archive/' | '/local/archive/' }`,
  });
  const s3Client = z.custom<S3Client>((value) => typeof (value as { send?: unknown } | null)?.send === 'function', { error: 'must be an S3Client' });

  return z.strictObject(
    {
      path: z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' }),
      format: z.enum(['csv', 'jsonl'], { error: 'must be one of csv, jsonl' }).optional(),
      include: globs.optional(),
      exclude: globs.optional(),
      recursive: z.boolean({ error: 'must be true or false' }).optional(),
      csv: z
        .strictObject(
          {
            delimiter: z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' }).optional(),
            quote: character.optional(),
            escape: character.optional(),
            header: z.boolean({ error: 'must be true or false' }).optional(),
            columns: z
              .array(z.string({ error: 'must be a string' }), { error: 'must be an array of column names' })
              .min(1, { error: 'must name at least one column' })
              .refine((names) => new Set(names).size === names.length, { error: 'must not name a column twice' })
              .optional(),
            duplicateHeaders: z.enum(['error', 'rename'], { error: 'must be error or rename' }).optional(),
          },
          { error: 'must be an object' },
        )
        .optional(),
      encoding: z.enum(TEXT_ENCODINGS, { error: `must be one of ${TEXT_ENCODINGS.join(', ')}` }).optional(),
      maxRecordsPerBatch: intBetween(1, 100_000).optional(),
      maxBytesPerBatch: intBetween(1024, GiB).optional(),
      maxRecordBytes: intBetween(1024, GiB).optional(),
      discoveryPageSize: intBetween(1, 100_000).optional(),
      splitSize: byteSize.optional(),
      maxFilesPerRun: intBetween(1, 1_000_000_000).optional(),
      newerThan: instant.optional(),
      minFileAge: duration.optional(),
      afterFinish: afterFinish.optional(),
      s3Client: s3Client.optional(),
      followSymlinks: z.enum(['within-root', 'any', 'never'], { error: 'must be one of within-root, any, never' }).optional(),
    },
    { error: 'must be an object' },
  );
}
const schema = lazySchema(buildSchema);

/**
 * Validates `fileSource()` options once, at construction. Every message names the field and
 * what it accepts: `maxRecordsPerBatch must be between 1 and 100000 (got 0)`.
 *
 * @example
 * const config = parseFileSourceOptions({ path: './data', include: '*.csv' });
 */
export function parseFileSourceOptions(input: unknown): FileSourceConfig {
  const parsed = schema().safeParse(input, { reportInput: true });
  if (!parsed.success) throw toConfigError(parsed.error.issues);
  const options = parsed.data;
  const path = isS3Uri(options.path) ? (parseS3Uri(options.path, 'path'), options.path) : resolve(options.path);
  const recursive = options.recursive ?? FILE_SOURCE_DEFAULTS.recursive;
  // Field by field: a flow built from CLI flags passes absent options as explicit undefined.
  const csv = {
    delimiter: options.csv?.delimiter,
    quote: options.csv?.quote ?? FILE_SOURCE_DEFAULTS.csv.quote,
    escape: options.csv?.escape,
    header: options.csv?.header ?? FILE_SOURCE_DEFAULTS.csv.header,
    columns: options.csv?.columns,
    duplicateHeaders: options.csv?.duplicateHeaders ?? FILE_SOURCE_DEFAULTS.csv.duplicateHeaders,
  };
  return {
    path,
    format: options.format,
    include: asList(options.include),
    exclude: asList(options.exclude),
    recursive,
    formats: { csv, encoding: options.encoding ?? FILE_SOURCE_DEFAULTS.encoding, maxRecordBytes: options.maxRecordBytes ?? FILE_SOURCE_DEFAULTS.maxRecordBytes },
    limits: {
      maxRecords: options.maxRecordsPerBatch ?? FILE_SOURCE_DEFAULTS.maxRecordsPerBatch,
      maxBytes: options.maxBytesPerBatch ?? FILE_SOURCE_DEFAULTS.maxBytesPerBatch,
    },
    discoveryPageSize: options.discoveryPageSize ?? FILE_SOURCE_DEFAULTS.discoveryPageSize,
    splitSize: options.splitSize === undefined ? FILE_SOURCE_DEFAULTS.splitSize : parseByteSize(options.splitSize)!,
    ...(options.maxFilesPerRun === undefined ? {} : { maxFilesPerRun: options.maxFilesPerRun }),
    ...(options.newerThan === undefined ? {} : { newerThan: toEpochMs(options.newerThan)! }),
    ...(options.minFileAge === undefined ? {} : { minFileAge: parseDurationMs(options.minFileAge)! }),
    afterFinish: resolveAfterFinish(options.afterFinish ?? FILE_SOURCE_DEFAULTS.afterFinish, path, recursive),
    ...(options.s3Client === undefined ? {} : { s3Client: options.s3Client }),
    followSymlinks: options.followSymlinks ?? FILE_SOURCE_DEFAULTS.followSymlinks,
  };
}

/** Epoch milliseconds of an ISO 8601 date, a non-negative integer or a valid Date; undefined otherwise. */
function toEpochMs(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  // A date, optionally with a time and zone: Date.parse alone would accept "1" or "May 1".
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) return undefined;
  const ms = Date.parse(value.trim());
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A move destination must be the same kind of place as the source (the store moves within
 * itself) and must not lie inside a recursively read source, where discovery would list the
 * archived files again as new ones.
 */
function resolveAfterFinish(option: AfterFinish, path: string, recursive: boolean): AfterFinishAction {
  if (option === 'leave' || option === 'delete') return { action: option };
  const field = 'afterFinish.moveTo';
  const fail = (rule: string) => new ConfigError(`invalid file source options: ${field} ${rule} (got ${JSON.stringify(option.moveTo)})`, { context: { field } });
  if (isS3Uri(path)) {
    if (!isS3Uri(option.moveTo)) throw fail('must be an s3:// prefix for an s3:// path');
    const to = parseS3Uri(option.moveTo, field);
    const from = parseS3Uri(path);
    const toPrefix = to.key === '' || to.key.endsWith('/') ? to.key : `${to.key}/`;
    const fromPrefix = from.key === '' || from.key.endsWith('/') ? from.key : `${from.key}/`;
    if (recursive && to.bucket === from.bucket && toPrefix.startsWith(fromPrefix)) throw fail(`must lie outside path ${path}`);
    return { action: 'move', to: `s3://${to.bucket}/${toPrefix}` };
  }
  if (isS3Uri(option.moveTo)) throw fail('must be a local directory for a local path');
  const to = resolve(option.moveTo);
  const rel = relative(path, to);
  if (recursive && (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel)))) throw fail(`must lie outside path ${path}`);
  return { action: 'move', to: to.endsWith(sep) ? to : to + sep };
}

function asList(globs: string | readonly string[] | undefined): readonly string[] | undefined {
  return typeof globs === 'string' ? [globs] : globs;
}

function toConfigError(issues: readonly z.core.$ZodIssue[]): ConfigError {
  const messages = issues.map((issue) => {
    const field = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      const where = field ? ` in ${field}` : '';
      return `unknown option${issue.keys.length > 1 ? 's' : ''}${where}: ${issue.keys.join(', ')}`;
    }
    return `${field || 'file source options'} ${issue.message} (got ${describe(issue.input)})`;
  });
  const first = issues[0];
  return new ConfigError(`invalid file source options: ${messages.join('; ')}`, {
    context: { field: first?.path.join('.') || undefined },
  });
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined; // circular (a client object): fall back to its name
  }
  if (json === undefined) return typeof value === 'object' && value !== null ? (value.constructor?.name ?? 'an object') : String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
