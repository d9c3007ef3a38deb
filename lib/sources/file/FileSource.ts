import { statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { AdfError } from '../../errors/AdfError';
import { Boundedness } from '../../source-support/Boundedness';
import type { Source } from '../../source-support/Source';
import type { SourceReaderContext } from '../../source-support/SourceReader';
import type { SplitEnumeratorContext } from '../../source-support/SplitEnumerator';
import { isS3Uri } from '../../util/s3Uri';
import { FileDiscoverer, type FileDiscoveryCursor, type SkippedFile } from './FileDiscoverer';
import { parseFileSourceOptions, type FileSourceConfig, type FileSourceOptions } from './FileSourceConfig';
import { FileSourceReader } from './FileSourceReader';
import { FileSplitGuard } from './FileSplitGuard';
import type { FileSplit } from './FileSplit';
import { FileSplitEnumerator, type FileEnumeratorState } from './FileSplitEnumerator';
import { FileSplitSerializer } from './FileSplitSerializer';
import { readS3Notification, type S3ObjectRef } from './s3Events';
import { isListable, type FileStore } from './store/FileStore';
import { openFileStore } from './store/openFileStore';

/**
 * Record values: for CSV an object keyed by column name (string values), or an array of
 * strings for a file without header or columns; for JSON Lines whatever each line holds.
 */
export type FileRecordValue = Record<string, string> | string[] | unknown;

/**
 * A bounded source over a local directory or file, or an S3 prefix, of CSV / JSON Lines,
 * plain or gzip (Flink's `FileSource`): one split per file, or byte-range splits for a large
 * uncompressed file, discovered page by page. S3 reads are pinned to the listed ETag.
 * Options are validated here, once; a bad option throws ConfigError naming the field.
 *
 * @example
 * const source = new FileSource({ path: 's3://in-bucket/orders/', include: '*.csv', splitSize: '128M', afterFinish: { moveTo: 's3://in-bucket/archive/' } });
 * const reader = source.createReader({ readerId: 0, sendSplitRequest() {} });
 */
export class FileSource implements Source<FileRecordValue, FileSplit, FileEnumeratorState, FileDiscoveryCursor> {
  readonly type = 'file';
  readonly boundedness = Boundedness.BOUNDED;
  readonly splitSerializer = FileSplitSerializer;
  readonly config: FileSourceConfig;
  /** Lists, reads, deletes and moves the source's files. */
  readonly store: FileStore;
  /** Only a file that is deleted or moved once ingested can be forgotten: one left in place would be ingested again. */
  readonly finishedSplitsMayExpire: boolean;
  private readonly onSkip: (file: SkippedFile) => void;
  private readonly guard: FileSplitGuard;

  /** What the source reads: its path (the split ids are relative to it). */
  get identity(): string {
    return `file:${this.config.path}`;
  }

  /** Split ids depend on the split size (a file is `a.csv` or `a.csv#0`…): part of the state's layout. */
  get splitLayout(): string {
    return `split size ${this.config.splitSize}`;
  }

  /** Whether discovery would list files written into local directory `dir`. */
  listsPath(dir: string): boolean {
    const { path, recursive } = this.config;
    if (isS3Uri(path) || !isAbsolute(dir)) return false;
    const rel = relative(path, dir);
    if (rel.startsWith('..') || isAbsolute(rel)) return false;
    if (rel === '' && !isDirectory(path)) return false;
    return isListable([...rel.split(sep).filter(Boolean), 'part-0.jsonl'].join('/'), recursive);
  }

  constructor(
    options: FileSourceOptions,
    /** Told about every file discovery skips (unknown extension, empty, symlinked directory, vanished). Default: one warning line on stderr per file. */
    onSkip?: (file: SkippedFile) => void,
  ) {
    this.config = parseFileSourceOptions(options);
    this.finishedSplitsMayExpire = this.config.afterFinish.action !== 'leave';
    this.onSkip = onSkip ?? warnOncePerFile();
    const { path, recursive, discoveryPageSize, s3Client, followSymlinks } = this.config;
    this.store = openFileStore({ root: path, recursive, pageSize: discoveryPageSize, s3Client, followSymlinks });
    this.guard = new FileSplitGuard({ root: path, recursive, followSymlinks, store: this.store });
  }

  /** Refuses a split whose file is not one of this source's (see FileSplitGuard): another bucket, prefix or root, a link out of it. */
  validateSplit(split: FileSplit): Promise<void> {
    return this.guard.check(split);
  }

  createEnumerator(ctx: SplitEnumeratorContext<FileSplit>, checkpoint?: FileEnumeratorState): FileSplitEnumerator {
    return new FileSplitEnumerator(ctx, this.createDiscoverer(), checkpoint);
  }

  createReader(ctx: SourceReaderContext): FileSourceReader {
    return new FileSourceReader(ctx, { formats: this.config.formats, limits: this.config.limits, store: this.store });
  }

  createDiscoverer(): FileDiscoverer {
    const { path, include, exclude, recursive, format, discoveryPageSize, splitSize, formats, maxFilesPerRun, newerThan, minFileAge } = this.config;
    return new FileDiscoverer({
      path,
      store: this.store,
      include,
      exclude,
      recursive,
      format,
      pageSize: discoveryPageSize,
      onSkip: this.onSkip,
      split: { splitSize, csv: formats.csv, encoding: formats.encoding, maxRecordBytes: formats.maxRecordBytes },
      maxFilesPerRun,
      newerThan,
      minFileAge,
    });
  }

  /**
   * The splits for objects an S3 notification named, exactly as discovery would create them
   * (byte ranges for a large file). Objects outside the source's bucket and prefix, hidden or
   * filtered out by include/exclude/newerThan are ignored; each remaining one is HEADed for its
   * size and ETag, and one that vanished since is skipped (reported to onSkip).
   *
   * @example
   * const splits = await source.splitsForObjects(parseS3Notification(event));
   */
  async splitsForObjects(objects: readonly S3ObjectRef[]): Promise<FileSplit[]> {
    if (!isS3Uri(this.config.path)) return [];
    const discoverer = this.createDiscoverer();
    const seen = new Set<string>();
    const splits: FileSplit[] = [];
    for (const { bucket, key } of objects) {
      const path = `s3://${bucket}/${key}`;
      const fileId = this.store.fileIdOf(path);
      if (fileId === undefined || seen.has(path) || !isListable(fileId, this.config.recursive) || !discoverer.wants({ fileId })) continue;
      seen.add(path);
      const ref = await this.store.stat(path);
      if (!ref) {
        discoverer.skip({ fileId, path, reason: `object vanished: ${path} no longer exists (named by an S3 notification)` });
        continue;
      }
      if (!discoverer.wants(ref)) continue;
      const planned = await discoverer.planFile({ ...ref, fileId });
      if ('splits' in planned) splits.push(...planned.splits);
    }
    return splits;
  }

  /**
   * The runtime's hook for external events: the splits of the objects an S3 notification
   * (direct, via SQS or SNS, or EventBridge) names, or undefined for any other event, which
   * then means "discover as usual".
   */
  async splitsForEvent(event: unknown): Promise<FileSplit[] | undefined> {
    if (!isS3Uri(this.config.path)) return undefined;
    const objects = readS3Notification(event);
    return objects === undefined ? undefined : this.splitsForObjects(objects);
  }

  /**
   * Applies `afterFinish` to the split's file once every split of that file is FINISHED.
   *
   * Called by the runtimes only after `split` was committed FINISHED, never before (the
   * embedded runtime after the local store's commit, the serverless reader after the
   * DynamoDB commit); `isFinished` asks the split store about the sibling ranges. Idempotent:
   * the last two ranges of a file finishing at once may both see all siblings finished and
   * both act; a file already deleted or moved is then not an error. A file replaced since it
   * was read (another ETag) is left in place, with an error saying so. Resolves false while
   * another range of the file is not FINISHED (the last range to finish acts), else true.
   *
   * @example
   * await source.onSplitFinished(batch.split, async (id) => (await store.get(id))?.status === 'FINISHED');
   */
  async onSplitFinished(split: FileSplit, isFinished: (splitId: string) => Promise<boolean>): Promise<boolean> {
    const { afterFinish } = this.config;
    if (afterFinish.action === 'leave') return true;
    // The split comes from a row (the failure handler retries pending actions from rows alone):
    // a tampered one must not make it delete or move a file that is not the source's.
    await this.guard.check(split, { missingOk: true });
    for (const id of split.siblingIds) {
      if (id !== split.splitId && !(await isFinished(id))) return false;
    }
    const store = this.store;
    if (split.etag !== undefined) {
      const now = await store.stat(split.path);
      if (!now) return true; // deleted or moved already
      if (now.etag !== undefined && now.etag !== split.etag) {
        throw new AdfError(`not applying afterFinish ${afterFinish.action} to ${split.path}: it was replaced since it was read (ETag ${split.etag}, now ${now.etag})`, {
          context: { splitId: split.splitId, file: split.path },
        });
      }
    }
    if (afterFinish.action === 'delete') {
      await store.delete(split.path);
      return true;
    }
    const target = isS3Uri(afterFinish.to) ? afterFinish.to + split.fileId : join(afterFinish.to, ...split.fileId.split('/'));
    await store.move(split.path, target);
    return true;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The default skip report: one warning line on stderr per file and source. */
function warnOncePerFile(): (file: SkippedFile) => void {
  const warned = new Set<string>();
  return (file) => {
    if (warned.has(file.path)) return;
    if (warned.size >= 10_000) warned.clear(); // bounded: a huge listing may skip many files
    warned.add(file.path);
    process.stderr.write(`warning: file source skipped ${file.path}: ${file.reason}\n`);
  };
}

/**
 * The file source, as flows declare it.
 *
 * @example
 * export default defineFlow({ name: 'orders', source: fileSource({ path: 's3://in-bucket/orders/', format: 'csv' }), sink: jsonlSink({ dir: './out' }) });
 */
export function fileSource(options: FileSourceOptions): FileSource {
  return new FileSource(options);
}
