import type { SourceSplit } from './SourceSplit';
import type { BatchLimits, PollResult, RecordBatch } from './RecordBatch';

/**
 * Reads the splits it is given in bounded batches (Flink's `SourceReader`).
 *
 * Contract:
 * - `poll()` returns at most one batch from one split and never blocks forever: with nothing
 *   to read it returns NOTHING_AVAILABLE (and asks for a split through its context when it
 *   holds none); `isAvailable()` resolves when polling again is worthwhile.
 * - Progress lives only in the splits: `batch.split` carries the position after the batch.
 * - `notifyBatchCommitted(batch)` is called only after the sink has written the batch and the
 *   checkpoint is committed (a stream reader acknowledges its entries there, never earlier).
 *
 * @example
 * const reader = source.createReader(ctx);
 * await reader.start();
 * reader.addSplits([split]);
 * const { batch } = await reader.poll({ maxRecords: 1000, maxBytes: 1 << 20 });
 */
export interface SourceReader<T, S extends SourceSplit> {
  start(): Promise<void>;
  poll(limits?: Partial<BatchLimits>): Promise<PollResult<T, S>>;
  isAvailable(): Promise<void>;
  addSplits(splits: S[]): void;
  notifyNoMoreSplits(): void;
  notifyBatchCommitted(batch: RecordBatch<T, S>): Promise<void>;
  /** The splits this reader holds, at the position of the last batch it returned. */
  snapshotState(): S[];
  /**
   * True when `poll()` may run while the previous batch is still being committed and
   * acknowledged: its batches depend on nothing a commit or `notifyBatchCommitted` does (the
   * file reader). A Lambda reader then parses the next batch while it waits on the commit.
   */
  readonly pollsDuringCommit?: boolean;
  close(): Promise<void>;
}

/**
 * What a reader may ask of its runtime (Flink's `SourceReaderContext`).
 *
 * @example
 * if (noSplitsLeft) ctx.sendSplitRequest();
 */
export interface SourceReaderContext {
  readonly readerId: number;
  sendSplitRequest(): void;
  /**
   * The runtime polls again as soon as a batch is committed, and closes the reader only at the
   * end of the run or after a failure (the embedded runtime): a source may read its next batch
   * while the current one is written and committed. Unset on Lambda, where a read left at the
   * end of an invocation would be taken over by the next one.
   */
  readonly readAhead?: boolean;
}
