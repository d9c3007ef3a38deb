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
 * Where a lease can be taken over while its holder still runs (serverless: a stalled reader's
 * lease expires), a writer opened with `leasesExpire` must not let a stale holder touch what
 * was committed: it writes each batch where only its lease token writes (staged) and makes it
 * visible in `publish`, which the runtime calls after the fenced commit, and again, for the
 * split's committed state, before the next holder writes. A writer that wraps another must
 * forward `publish` and `discard`, or staged batches are never made visible.
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
  /**
   * Optional: checks, once before any reader starts, what would make every write fail (an
   * output directory that is a file or read-only), throwing a ConfigError that names it.
   */
  check?(): Promise<void>;
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
  /**
   * A split's lease can pass to another reader while this writer is still writing (serverless).
   * Writers that keep a sink state then stage batches under the lease token and publish them
   * after the commit; without it (embedded: the process is the lease) they write in place.
   */
  readonly leasesExpire?: boolean;
  /** Per-request timeout for a remote sink's SDK client (shorter than the lease grace). */
  readonly requestTimeoutMs?: number;
}

/** The lease a sink call works under. */
export interface SinkCall {
  /** The token of the lease the batch is written under; its commit is fenced by it. */
  readonly leaseToken: number;
  /** Aborted when the lease runs out: the result could no longer be committed. */
  readonly signal?: AbortSignal;
}

export interface SinkBatch<T> {
  readonly splitId: string;
  readonly records: SourceRecord<T>[];
  /** What this writer returned for the split's last committed batch (undefined at first). */
  readonly sinkState: unknown;
  /** The lease token and abort signal (runtimes always give them; required by staged writers). */
  readonly leaseToken?: number;
  readonly signal?: AbortSignal;
}

export interface SinkWriter<T> {
  /** Writes the batch durably enough to be committed; returns the new sink state. */
  write(batch: SinkBatch<T>): Promise<unknown>;
  /**
   * Staged writers only: make visible what the committed `sinkState` names. Idempotent, and
   * safe for any holder, stale or not: it only ever writes committed bytes where they belong.
   */
  publish?(splitId: string, sinkState: unknown, call: SinkCall): Promise<void>;
  /** Staged writers only: the commit of `sinkState` (from `write`) was refused; drop its staged batch. */
  discard?(splitId: string, sinkState: unknown): Promise<void>;
  close(): Promise<void>;
}
