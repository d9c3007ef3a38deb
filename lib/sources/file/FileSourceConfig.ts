import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../errors/AdfError';
import { DEFAULT_BATCH_LIMITS, type BatchLimits } from '../../source-support/RecordBatch';
import type { FileFormat } from './FileSplit';
import type { FormatOptions } from './format/RecordCursorFactory';

/** Options of `fileSource()`, as a flow file writes them. */
export interface FileSourceOptions {
  /** A directory (read recursively by default) or a single file. */
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
  };
  readonly maxRecordsPerBatch?: number;
  readonly maxBytesPerBatch?: number;
  /** Longest CSV record or JSON line; a longer one is dead-lettered. */
  readonly maxRecordBytes?: number;
  /** Files per discovery page. */
  readonly discoveryPageSize?: number;
}

/** Every default of the file source, in one place. */
export const FILE_SOURCE_DEFAULTS = Object.freeze({
  recursive: true,
  csv: Object.freeze({ quote: '"', header: true }),
  maxRecordsPerBatch: DEFAULT_BATCH_LIMITS.maxRecords,
  maxBytesPerBatch: DEFAULT_BATCH_LIMITS.maxBytes,
  maxRecordBytes: 16 * 1024 * 1024,
  discoveryPageSize: 1000,
});

/** Options after validation, with defaults applied and the path made absolute. */
export interface FileSourceConfig {
  readonly path: string;
  readonly format?: FileFormat;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly recursive: boolean;
  readonly formats: FormatOptions;
  readonly limits: Pick<BatchLimits, 'maxRecords' | 'maxBytes'>;
  readonly discoveryPageSize: number;
}

const GiB = 1024 * 1024 * 1024;

const intBetween = (min: number, max: number) => {
  const range = { error: `must be between ${min} and ${max}` };
  return z.int({ error: `must be an integer between ${min} and ${max}` }).min(min, range).max(max, range);
};
const globs = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
  error: 'must be a non-empty glob or a non-empty array of non-empty globs',
});
const character = z.string({ error: 'must be a single character' }).length(1, { error: 'must be a single character' });

const schema = z.strictObject(
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
            .optional(),
        },
        { error: 'must be an object' },
      )
      .optional(),
    maxRecordsPerBatch: intBetween(1, 100_000).optional(),
    maxBytesPerBatch: intBetween(1024, GiB).optional(),
    maxRecordBytes: intBetween(1024, GiB).optional(),
    discoveryPageSize: intBetween(1, 100_000).optional(),
  },
  { error: 'must be an object' },
);

/**
 * Validates `fileSource()` options once, at construction. Every message names the field and
 * what it accepts: `maxRecordsPerBatch must be between 1 and 100000 (got 0)`.
 *
 * @example
 * const config = parseFileSourceOptions({ path: './data', include: '*.csv' });
 */
export function parseFileSourceOptions(input: unknown): FileSourceConfig {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw toConfigError(parsed.error.issues);
  const options = parsed.data;
  if (options.path.startsWith('s3://')) {
    throw new ConfigError(`path ${options.path}: s3:// paths are not supported yet`, { context: { field: 'path' } });
  }
  // Field by field: a flow built from CLI flags passes absent options as explicit undefined.
  const csv = {
    delimiter: options.csv?.delimiter,
    quote: options.csv?.quote ?? FILE_SOURCE_DEFAULTS.csv.quote,
    escape: options.csv?.escape,
    header: options.csv?.header ?? FILE_SOURCE_DEFAULTS.csv.header,
    columns: options.csv?.columns,
  };
  return {
    path: resolve(options.path),
    format: options.format,
    include: asList(options.include),
    exclude: asList(options.exclude),
    recursive: options.recursive ?? FILE_SOURCE_DEFAULTS.recursive,
    formats: { csv, maxRecordBytes: options.maxRecordBytes ?? FILE_SOURCE_DEFAULTS.maxRecordBytes },
    limits: {
      maxRecords: options.maxRecordsPerBatch ?? FILE_SOURCE_DEFAULTS.maxRecordsPerBatch,
      maxBytes: options.maxBytesPerBatch ?? FILE_SOURCE_DEFAULTS.maxBytesPerBatch,
    },
    discoveryPageSize: options.discoveryPageSize ?? FILE_SOURCE_DEFAULTS.discoveryPageSize,
  };
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
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
