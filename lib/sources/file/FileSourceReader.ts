import { AdfError, SplitCannotFinishError, SplitFailedError, UntrustedSplitError } from '../../errors/AdfError';
import {
  DEFAULT_BATCH_LIMITS,
  InputStatus,
  type BatchLimits,
  type PollResult,
  type RecordBatch,
} from '../../source-support/RecordBatch';
import type { SourceReader, SourceReaderContext } from '../../source-support/SourceReader';
import type { BadRecord, SourceRecord } from '../../source-support/SourceRecord';
import { TO_END_OF_FILE, type FilePosition, type FileSplit } from './FileSplit';
import { openRecordCursor, type FormatOptions } from './format/RecordCursorFactory';
import type { RecordCursor } from './format/RecordCursor';
import type { FileStore } from './store/FileStore';
import { openFileStore } from './store/openFileStore';
import { isS3Uri } from '../../util/s3Uri';

export interface FileSourceReaderOptions {
  readonly formats: FormatOptions;
  /** The source's batch limits; a poll's own limits take precedence. */
  readonly limits?: Partial<BatchLimits>;
  /**
   * Where the splits' files are read from (the source's store; a split of the other kind is
   * refused). Without it (a standalone reader): the local file system, or S3 with the shared client.
   */
  readonly store?: FileStore;
}

/** The deadline is checked every this many entries: often enough, and off the hot path. */
const DEADLINE_CHECK_EVERY = 64;

/**
 * Reads assigned file splits in order, one bounded batch per `poll()`.
 *
 * The current split's cursor stays open across polls, so a file is opened and (for gzip)
 * decompressed once, not once per batch. Each batch carries the split at the position after
 * its last entry; a split whose data is exhausted comes back with `finished: true` (possibly
 * in an empty batch), and its cursor is closed.
 *
 * Record ids are `${fileId}@${byte offset of the record}` (`${fileId}~${versionTag}@…` for a
 * later version of a file): they depend on the file alone, not on batch boundaries or on where
 * a split was resumed.
 *
 * @example
 * const reader = new FileSourceReader(ctx, { formats, limits: { maxRecords: 1000 } });
 * reader.addSplits([split]);
 * const { batch } = await reader.poll();
 */
export class FileSourceReader implements SourceReader<unknown, FileSplit> {
  /** Held splits, FIFO; the head is the one being read, at the position of the last batch. */
  private readonly splits: FileSplit[] = [];
  private cursor: RecordCursor | undefined;
  private noMoreSplits = false;
  private splitRequested = false;
  private wakeUp: (() => void) | undefined;
  private readonly limits: BatchLimits;
  private readonly stores = new Map<'local' | 's3', FileStore>();

  constructor(
    private readonly ctx: SourceReaderContext,
    private readonly options: FileSourceReaderOptions,
  ) {
    this.limits = mergeLimits(DEFAULT_BATCH_LIMITS, options.limits);
    if (options.store) this.stores.set(isS3Uri(options.store.root) ? 's3' : 'local', options.store);
  }

  async start(): Promise<void> {}

  async poll(limits?: Partial<BatchLimits>): Promise<PollResult<unknown, FileSplit>> {
    const split = this.splits[0];
    if (!split) {
      if (this.noMoreSplits) return { status: InputStatus.END_OF_INPUT };
      // Ask once; the enumerator answers with a split or with no-more-splits.
      if (!this.splitRequested) {
        this.splitRequested = true;
        this.ctx.sendSplitRequest();
      }
      return { status: InputStatus.NOTHING_AVAILABLE };
    }
    let batch: RecordBatch<unknown, FileSplit>;
    try {
      this.cursor ??= openRecordCursor(split, this.options.formats, this.storeFor(split.path));
      batch = await readBatch(split, this.cursor, mergeLimits(this.limits, limits));
    } catch (error) {
      // The runtime fails this split; the reader drops it and goes on with the next one.
      await this.dropCurrent();
      throw asSplitFailed(error, split);
    }
    if (batch.finished) await this.dropCurrent();
    else this.splits[0] = batch.split;
    return { status: InputStatus.MORE_AVAILABLE, batch };
  }

  isAvailable(): Promise<void> {
    if (this.splits.length > 0 || this.noMoreSplits) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.wakeUp;
      this.wakeUp = () => {
        previous?.();
        resolve();
      };
    });
  }

  addSplits(splits: FileSplit[]): void {
    this.splits.push(...splits);
    if (splits.length > 0) this.splitRequested = false;
    this.wake();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.wake();
  }

  /** Files need no acknowledgement: the committed split position is all the progress there is. */
  /** Nothing to acknowledge: a file's position lives only in the committed split. */
  async notifyBatchCommitted(): Promise<void> {}

  readonly pollsDuringCommit = true;

  snapshotState(): FileSplit[] {
    return [...this.splits];
  }

  async close(): Promise<void> {
    await this.cursor?.close();
    this.cursor = undefined;
  }

  private async dropCurrent(): Promise<void> {
    this.splits.shift();
    const cursor = this.cursor;
    this.cursor = undefined;
    await cursor?.close();
  }

  private storeFor(path: string): FileStore {
    const kind = isS3Uri(path) ? 's3' : 'local';
    let store = this.stores.get(kind);
    // A source's reader reads its own store only: no ad-hoc store for a path of the other kind
    // (a tampered split naming /etc/passwd to an S3 source), whatever skipped the split guard.
    if (!store && this.options.store) {
      throw new UntrustedSplitError(`refusing to read ${path}: the source reads ${this.options.store.root} only`, { context: { file: path } });
    }
    if (!store) {
      // Only openRange is used here, which takes any path of the store's kind: the root is nominal.
      store = openFileStore({ root: kind === 's3' ? path : '/', recursive: true, pageSize: 1000 });
      this.stores.set(kind, store);
    }
    return store;
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }
}

/** Fills one batch: stops at maxRecords entries, maxBytes of input or the deadline (after at least one entry). */
async function readBatch(split: FileSplit, cursor: RecordCursor, limits: BatchLimits): Promise<RecordBatch<unknown, FileSplit>> {
  const records: SourceRecord[] = [];
  const badRecords: BadRecord[] = [];
  const startOffset = split.position.offset;
  const prefix = `${split.baseId}@`;
  const { maxRecords, maxBytes, deadline } = limits;
  const pollStarted = Date.now();
  let finished = false;
  let entries = 0;
  let position: FilePosition | undefined;
  for (;;) {
    const entry = cursor.next();
    if (entry === undefined) {
      if (cursor.done) {
        finished = true;
        break;
      }
      await cursor.ready();
      if (deadline !== undefined && Date.now() >= deadline) {
        if (entries > 0) break;
        if ((cursor.bytesStillToSkip ?? 0) > 0) throw cannotResume(split, cursor.bytesStillToSkip!, pollStarted);
      }
      continue;
    }
    // A byte-range split owns the records that start inside its range; the first one past
    // it was taken from the cursor already, so the position is set back to its start.
    if (split.end !== TO_END_OF_FILE && entry.offset >= split.end) {
      const after = cursor.position();
      position = { ...after, offset: entry.offset, line: entry.line, records: after.records - (entry.reason === undefined ? 1 : 0) };
      finished = true;
      break;
    }
    const id = prefix + entry.offset;
    if (entry.reason === undefined) {
      records.push({ id, value: entry.value });
    } else {
      const line = split.linesFromFileStart ? entry.line : undefined;
      badRecords.push({ id, splitId: split.splitId, reason: entry.reason, file: split.path, line, offset: entry.offset, raw: entry.raw });
    }
    entries++;
    if (entries >= maxRecords || entry.end - startOffset >= maxBytes) break;
    if (deadline !== undefined && entries % DEADLINE_CHECK_EVERY === 0 && Date.now() >= deadline) break;
  }
  position ??= cursor.position();
  return {
    splitId: split.splitId,
    records,
    badRecords,
    split: split.withPosition(position),
    finished,
    bytes: position.offset - startOffset,
  };
}

/**
 * A gzip split resumed mid-file decompresses from the start to its position; when that alone
 * outlasts the poll's deadline, no invocation of this length will ever move the split on.
 */
function cannotResume(split: FileSplit, stillToSkip: number, pollStarted: number): SplitCannotFinishError {
  const at = split.position.offset;
  const seconds = ((Date.now() - pollStarted) / 1000).toFixed(1);
  return new SplitCannotFinishError(
    `${split.path}: gzip data cannot be read from the middle, and resuming at decompressed byte ${at} means decompressing the file from its start: ` +
      `${at - stillToSkip} of those ${at} bytes took the whole ${seconds} s this reader had, so no invocation of this length finishes it. ` +
      'Give the reader a longer timeout (readerTimeout, at most 900 s), or store the file uncompressed or as smaller files, then redrive the split; ' +
      `the records before byte ${at} are committed.`,
    { context: { splitId: split.splitId, file: split.path, offset: at } },
  );
}

function mergeLimits(base: BatchLimits, override: Partial<BatchLimits> | undefined): BatchLimits {
  if (!override) return base;
  return {
    maxRecords: override.maxRecords ?? base.maxRecords,
    maxBytes: override.maxBytes ?? base.maxBytes,
    deadline: override.deadline ?? base.deadline,
  };
}

function asSplitFailed(error: unknown, split: FileSplit): AdfError {
  if (error instanceof AdfError) return error;
  return new SplitFailedError(`cannot read ${split.path}: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
    context: { splitId: split.splitId, file: split.path, offset: split.position.offset },
  });
}
