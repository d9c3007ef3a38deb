import type { S3Client } from '@aws-sdk/client-s3';
import picomatch from 'picomatch';
import { AdfError, SplitFailedError } from '../../errors/AdfError';
import type { DiscoveryPage, SplitDiscoverer } from '../../source-support/SplitDiscoverer';
import { FILE_SOURCE_DEFAULTS } from './FileSourceConfig';
import type { FileFormat, FileSplit } from './FileSplit';
import { FileSplitPlanner, type SplitPlanOptions } from './FileSplitPlanner';
import { inferFileType } from './FileTypeInference';
import type { FileRef, FileStore } from './store/FileStore';
import { openFileStore } from './store/openFileStore';

export { compareSegments } from './store/LocalFileStore';

/** The fileId (relative path, posix separators) of the last file a page covered. */
export type FileDiscoveryCursor = string;

/** A file discovery passed over, and why (unknown extension, empty, a symlinked directory, vanished). */
export interface SkippedFile {
  readonly fileId: string;
  readonly path: string;
  readonly reason: string;
}

export interface FileDiscoveryPage extends DiscoveryPage<FileSplit, FileDiscoveryCursor> {
  readonly skipped: SkippedFile[];
  /**
   * Set on the last page of a pass that stopped at maxFilesPerRun: discovery is not done, and
   * the next pass should continue from this page's cursor instead of starting over.
   */
  readonly more?: true;
}

export interface FileDiscovererOptions {
  /** Absolute path of a directory or of a single file, or `s3://bucket/prefix`. */
  readonly path: string;
  /** Lists and reads the files; default: the store for `path` (local or S3). */
  readonly store?: FileStore;
  /** Globs; one without a `/` matches the file name at any depth, one with a `/` the relative path. */
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly recursive: boolean;
  /** Read every file in this format instead of inferring it from the extension. */
  readonly format?: FileFormat;
  readonly pageSize: number;
  /** Called for every skipped file, in addition to the page's `skipped` list. */
  readonly onSkip?: (file: SkippedFile) => void;
  /** How large files are cut into byte ranges (default: 64 MiB ranges, CSV with a header row and '"' quotes). */
  readonly split?: Partial<SplitPlanOptions>;
  /** A pass stops after this many files (that became splits); the page then says `more`. */
  readonly maxFilesPerRun?: number;
  /** Epoch milliseconds: only files modified after it. */
  readonly newerThan?: number;
  /** Milliseconds: a file modified more recently is skipped (reported), for a later pass. */
  readonly minFileAge?: number;
  /** For an s3:// path without a `store`. */
  readonly s3Client?: S3Client;
}

const UNKNOWN_EXTENSION = 'unknown file extension (expected .csv, .tsv, .jsonl, .ndjson or .json-lines, optionally + .gz)';

/** What discovery makes of one listed file: its splits, or why it was skipped. */
export type PlannedFile = { readonly splits: FileSplit[] } | { readonly skipped: SkippedFile };

/**
 * Lists the source's FileStore page by page and turns each file into its splits (one per
 * file, or byte ranges for a large uncompressed file: see FileSplitPlanner). The order is
 * the store's stable fileId order and the cursor is the last fileId covered, so a resumed
 * pass continues after it. Hidden files, include/exclude globs, newerThan and maxFilesPerRun
 * apply to local files and S3 keys alike; empty files, unknown extensions and links to
 * directories are reported as skipped (never a split).
 *
 * @example
 * const discoverer = new FileDiscoverer({ path: '/data/in', recursive: true, pageSize: 1000 });
 * for await (const page of discoverer.discover(undefined)) console.log(page.splits.map((s) => s.splitId));
 */
export class FileDiscoverer implements SplitDiscoverer<FileSplit, FileDiscoveryCursor> {
  readonly store: FileStore;
  private readonly included: (fileId: string) => boolean;
  private readonly excluded: (fileId: string) => boolean;
  private readonly planner: FileSplitPlanner;

  constructor(private readonly options: FileDiscovererOptions) {
    this.store = options.store ?? openFileStore({ root: options.path, recursive: options.recursive, pageSize: options.pageSize, s3Client: options.s3Client });
    this.included = options.include?.length ? globMatcher(options.include) : () => true;
    this.excluded = options.exclude?.length ? globMatcher(options.exclude) : () => false;
    this.planner = new FileSplitPlanner(this.store, {
      splitSize: options.split?.splitSize ?? FILE_SOURCE_DEFAULTS.splitSize,
      csv: options.split?.csv ?? FILE_SOURCE_DEFAULTS.csv,
      maxRecordBytes: options.split?.maxRecordBytes ?? FILE_SOURCE_DEFAULTS.maxRecordBytes,
      encoding: options.split?.encoding ?? FILE_SOURCE_DEFAULTS.encoding,
    });
  }

  async *discover(cursor: FileDiscoveryCursor | undefined): AsyncGenerator<FileDiscoveryPage> {
    const { pageSize, maxFilesPerRun } = this.options;
    let splits: FileSplit[] = [];
    let skipped: SkippedFile[] = [];
    let entries = 0;
    let files = 0;
    let last: string | undefined;
    const youngerThan = this.options.minFileAge === undefined ? undefined : Date.now() - this.options.minFileAge;
    for await (const refs of this.store.list(cursor)) {
      for (const ref of refs) {
        last = ref.fileId;
        if (!ref.directory && !this.wants(ref)) continue;
        const young = youngerThan !== undefined && ref.modifiedAt !== undefined && ref.modifiedAt.getTime() > youngerThan;
        const planned = young ? { skipped: this.skip({ fileId: ref.fileId, path: ref.path, reason: tooYoung(ref, this.options.minFileAge!) }) } : await this.planFile(ref);
        if ('skipped' in planned) skipped.push(planned.skipped);
        else {
          splits.push(...planned.splits);
          files++;
        }
        entries++;
        const stop = maxFilesPerRun !== undefined && files >= maxFilesPerRun;
        if (entries >= pageSize || stop) {
          yield { splits, skipped, cursor: last, ...(stop ? { more: true as const } : {}) };
          if (stop) return;
          splits = [];
          skipped = [];
          entries = 0;
        }
      }
    }
    if (last !== undefined && entries > 0) yield { splits, skipped, cursor: last };
  }

  /** Throws ConfigError naming the path when it cannot be listed (a missing directory or bucket). */
  async checkPath(): Promise<void> {
    await this.store.checkRoot();
  }

  /** Whether the include/exclude globs and newerThan let `ref` through (the store already left out hidden files). */
  wants(ref: Pick<FileRef, 'fileId' | 'modifiedAt'>): boolean {
    if (!this.included(ref.fileId) || this.excluded(ref.fileId)) return false;
    const { newerThan } = this.options;
    return newerThan === undefined || ref.modifiedAt === undefined || ref.modifiedAt.getTime() > newerThan;
  }

  /**
   * The splits of one listed file, or why it is skipped (reported to onSkip too). A file that
   * changes or vanishes while a large one is being cut is skipped: with no split registered,
   * a later pass picks up its new version.
   */
  async planFile(ref: FileRef): Promise<PlannedFile> {
    const type = ref.unreadable === undefined ? inferFileType(ref.fileId, this.options.format) : undefined;
    let reason = ref.unreadable ?? (type ? undefined : UNKNOWN_EXTENSION);
    if (reason === undefined && ref.size === 0) reason = 'empty file (0 bytes)';
    if (reason === undefined) {
      try {
        return { splits: await this.planner.plan(ref, type!) };
      } catch (error) {
        const gone = (error as NodeJS.ErrnoException)?.code === 'ENOENT';
        if (!(error instanceof SplitFailedError) && !gone) throw asDiscoveryError(error, ref);
        const why = gone ? `file vanished: ${ref.path}` : (error as Error).message;
        reason = `${why} (while cutting it into ranges; a later discovery pass will list it again)`;
      }
    }
    return { skipped: this.skip({ fileId: ref.fileId, path: ref.path, reason }) };
  }

  /** Reports a skipped file to onSkip and returns it. */
  skip(file: SkippedFile): SkippedFile {
    this.options.onSkip?.(file);
    return file;
  }
}

function tooYoung(ref: FileRef, minFileAge: number): string {
  const age = Math.max(0, Date.now() - ref.modifiedAt!.getTime());
  return `modified ${(age / 1000).toFixed(1)} s ago, less than minFileAge ${(minFileAge / 1000).toFixed(1)} s (still being written?); a later run reads it`;
}

function asDiscoveryError(error: unknown, ref: FileRef): AdfError {
  if (error instanceof AdfError) return error;
  return new AdfError(`cannot read ${ref.path} to cut it into ranges: ${(error as Error)?.message ?? String(error)}`, { cause: error, context: { file: ref.path } });
}

function globMatcher(patterns: readonly string[]): (fileId: string) => boolean {
  const byPath = patterns.filter((p) => p.includes('/'));
  const byName = patterns.filter((p) => !p.includes('/'));
  const matchPath = byPath.length ? picomatch(byPath, { dot: true }) : undefined;
  const matchName = byName.length ? picomatch(byName, { dot: true }) : undefined;
  return (fileId) => (matchPath?.(fileId) ?? false) || (matchName?.(fileId.slice(fileId.lastIndexOf('/') + 1)) ?? false);
}
