import type { SourceRecord } from '../source-support/SourceRecord';

/**
 * A sink writes records somewhere. Each reader opens its own writer.
 *
 * Exactly-once comes from one of two things, declared by the writer:
 * - the writer is idempotent by record id (a repeated batch overwrites or is skipped), or
 * - the writer returns a *sink state* after each batch (e.g. the byte length of the split's
 *   part file); the runtime commits it together with the split checkpoint and passes it back
 *   on the next write, so the writer can drop what an interrupted run wrote after it.
 *
 * @example
 * const writer = await jsonlSink({ dir: './out' }).open({ readerId: 0 });
 * const state = await writer.write({ splitId: 'a.csv', records, sinkState: undefined });
 */
export interface Sink<T = unknown> {
  readonly type: string;
  open(ctx: SinkContext): Promise<SinkWriter<T>>;
  /**
   * Optional: checks, once before any reader starts, what would make every write fail (an
   * output directory that is a file or read-only), throwing a ConfigError that names it.
   */
  check?(): Promise<void>;
}

export interface SinkContext {
  readonly readerId: number;
}

export interface SinkBatch<T> {
  readonly splitId: string;
  readonly records: SourceRecord<T>[];
  /** What this writer returned for the split's last committed batch (undefined at first). */
  readonly sinkState: unknown;
}

export interface SinkWriter<T> {
  /** Writes the batch durably enough to be committed; returns the new sink state. */
  write(batch: SinkBatch<T>): Promise<unknown>;
  close(): Promise<void>;
}
