import type { BatchLimits, PollResult } from '../source-support/RecordBatch';
import type { SourceReader } from '../source-support/SourceReader';
import type { SourceSplit } from '../source-support/SourceSplit';

/**
 * The next poll of a reader that allows polling while a batch is committed
 * (`SourceReader.pollsDuringCommit`), started early so parsing overlaps the commit's I/O wait.
 * Both runtimes use it: `start` after the batch is written, `next` for the following round,
 * `settle` before the reader is replaced or closed (a failure may leave one running).
 *
 * @example
 * if (!batch.finished) ahead.start(reader, limits);  // then commit
 * const polled = await ahead.next(() => reader.poll(limits));
 */
export class PollAhead<T = unknown, S extends SourceSplit = SourceSplit> {
  private pending: Promise<PollResult<T, S>> | undefined;

  /** Starts the next poll now, if the reader allows it. */
  start(reader: SourceReader<T, S>, limits?: Partial<BatchLimits>): void {
    if (reader.pollsDuringCommit !== true) return;
    const next = reader.poll(limits);
    next.catch(() => undefined); // handled where it is awaited (next or settle): never an unhandled rejection while the commit runs
    this.pending = next;
  }

  /** The poll started ahead, or a new one. */
  next(poll: () => Promise<PollResult<T, S>>): Promise<PollResult<T, S>> {
    const pending = this.pending;
    this.pending = undefined;
    return pending ?? poll();
  }

  /** Waits for a poll left running, dropping its result (its batch is read again from the last commit). */
  async settle(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    await pending?.catch(() => undefined);
  }
}
