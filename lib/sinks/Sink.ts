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
  /** Optional: where the sink writes, as a stable string (`jsonl:/abs/out`); part of a run's identity. */
  readonly identity?: string;
  /** Optional: the local directory the sink writes into (the run refuses to read its own output). */
  readonly localDir?: string;
  /**
   * Optional: called once per run, before any reader starts, on the coordinating thread. A sink
   * that owns its output (the JSONL directory) claims it here, starts it over on `fresh`, and
   * refuses output it does not own with a ConfigError.
   */
  prepare?(ctx: SinkPrepareContext): Promise<void>;
  open(ctx: SinkContext): Promise<SinkWriter<T>>;
}

export interface SinkPrepareContext {
  /** The run's identity hash (flow, what it reads, where it writes). */
  readonly runId: string;
  /** Human description of the run, for messages (`reading file:/in`). */
  readonly describe: string;
  /** The state was started over (`--fresh`): start the output over too. */
  readonly fresh: boolean;
  /** The state holds splits from an earlier run (which may predate output markers). */
  readonly resumed: boolean;
  /** The flag that names the output, for messages (`--out`). */
  readonly flag: string;
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
