import type { SourceSplit } from './SourceSplit';
import type { BadRecord, SourceRecord } from './SourceRecord';

/**
 * What one `poll()` returns: a bounded run of records from ONE split, and that split with
 * its position moved past them. Committing `split` after the sink has written `records`
 * is the checkpoint: the reader holds no progress anywhere else.
 *
 * @example
 * const batch = (await reader.poll()).batch;
 * if (batch) { await sink.write(batch.records); await store.commit(batch.split, batch.finished) }
 */
export interface RecordBatch<T, S extends SourceSplit> {
  readonly splitId: string;
  readonly records: SourceRecord<T>[];
  readonly badRecords: BadRecord[];
  /** The split with its position after this batch: the checkpoint to commit. */
  readonly split: S;
  /** True when the split has no more data; the split is then FINISHED. */
  readonly finished: boolean;
  /** Bytes of input the batch covers (for progress and metrics). */
  readonly bytes: number;
}

/**
 * Flink's InputStatus: what the reader can say after a poll.
 *
 * @example
 * const { status, batch } = await reader.poll();
 * if (status === InputStatus.NOTHING_AVAILABLE && !batch) await reader.isAvailable();
 */
export const InputStatus = {
  /** A batch was returned and more may follow at once. */
  MORE_AVAILABLE: 'MORE_AVAILABLE',
  /** Nothing right now: wait for `isAvailable()` (new splits, new data). */
  NOTHING_AVAILABLE: 'NOTHING_AVAILABLE',
  /** Every split is done and no more will come. */
  END_OF_INPUT: 'END_OF_INPUT',
} as const;
export type InputStatus = (typeof InputStatus)[keyof typeof InputStatus];

export interface PollResult<T, S extends SourceSplit> {
  readonly status: InputStatus;
  readonly batch?: RecordBatch<T, S>;
}

/** Bounds of one batch. The reader stops at whichever comes first. */
export interface BatchLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** Epoch milliseconds; a serverless reader passes its remaining time minus a margin. */
  readonly deadline?: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxRecords: 5_000, maxBytes: 8 * 1024 * 1024 };
