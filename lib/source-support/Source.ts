import type { Boundedness } from './Boundedness';
import type { SourceSplit, SplitSerializer } from './SourceSplit';
import type { SourceReader, SourceReaderContext } from './SourceReader';
import type { SplitEnumerator, SplitEnumeratorContext } from './SplitEnumerator';
import type { SplitDiscoverer } from './SplitDiscoverer';

/**
 * A source: a factory for one enumerator and many readers (Flink's `Source`).
 * Written once against this SPI, a source runs unchanged embedded and on Lambda.
 *
 * `T` is the record value, `S` the split, `E` the enumerator checkpoint, `C` the discovery cursor.
 *
 * @example
 * const source = fileSource({ path: './data', format: 'csv' });
 * const reader = source.createReader({ readerId: 0, sendSplitRequest() {} });
 */
export interface Source<T, S extends SourceSplit, E = unknown, C = unknown> {
  /** Registry name, e.g. `file` or `rafka`. */
  readonly type: string;
  readonly boundedness: Boundedness;
  readonly splitSerializer: SplitSerializer<S>;
  /**
   * Optional: consecutive failed attempts a split must be allowed before it may be FAILED. A
   * source that isolates bad records by redelivery (Rafka's maxDeliveries) needs more attempts
   * than that, or a poison record would fail its whole split before it reaches a dead letter.
   */
  readonly minAttempts?: number;
  /**
   * Optional: true when a FINISHED split may be forgotten (its row expire). A split store is the
   * memory of what was ingested: a file left in place whose row expired would be discovered and
   * ingested again. The file source says true only when `afterFinish` deletes or moves the file.
   */
  readonly finishedSplitsMayExpire?: boolean;
  /**
   * Optional: what the source reads, as a stable string (`file:/data/in`, `rafka:redis://h:6379/0/orders#group`).
   * Part of a run's identity: a state made while reading one thing is never resumed to read another.
   */
  readonly identity?: string;
  /**
   * Optional: the settings that decide split ids (the file source's split size). A run resumed
   * with other ones would make new ids for data already read, so the runtime refuses it.
   */
  readonly splitLayout?: string;
  /** Optional: whether discovery would list files written under local directory `dir` (absolute). */
  listsPath?(dir: string): boolean;
  /**
   * Optional: refuses a split that does not belong to this source, before anything is opened.
   * Split rows live in a store others can write (the split table, a state dir): the runtimes
   * call this on every split before `addSplits`, and a split it rejects (UntrustedSplitError)
   * is FAILED at once with the reason, never read. A source without it trusts its splits.
   */
  validateSplit?(split: S): Promise<void>;
  createEnumerator(ctx: SplitEnumeratorContext<S>, checkpoint?: E): SplitEnumerator<S, E>;
  createReader(ctx: SourceReaderContext): SourceReader<T, S>;
  createDiscoverer(): SplitDiscoverer<S, C>;
  /**
   * Optional: called by the runtime once `split` is committed FINISHED, never before (e.g. the
   * file source deletes or archives a file once all of its splits are finished; `isFinished`
   * asks the split store about sibling splits). May run more than once for one split: it must
   * be idempotent. Resolves false when the action could not run yet (the file source waits for
   * the file's other splits) and must be tried again later; true (or nothing) once it is done.
   */
  onSplitFinished?(split: S, isFinished: (splitId: string) => Promise<boolean>): Promise<boolean | void>;
  /**
   * Optional: the splits an external event names (e.g. S3 ObjectCreated notifications), or
   * undefined when the event is not of a kind this source understands (then the enumerator
   * discovers as usual). An understood event that names nothing relevant yields [].
   */
  splitsForEvent?(event: unknown): Promise<S[] | undefined>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySource = Source<any, any, any, any>;

/** The attempts a runtime allows: what was configured, but never fewer than the source needs. */
export function effectiveMaxAttempts(configured: number, source: { readonly minAttempts?: number }): number {
  return Math.max(configured, source.minAttempts ?? 1);
}
