import type { SourceSplit } from './SourceSplit';

/**
 * Discovers splits and hands them to readers on request (Flink's `SplitEnumerator`).
 * Implementations stay thin: discovery and assignment policy are their own units
 * (`SplitDiscoverer`, `SplitAssigner`) that the enumerator calls.
 *
 * @example
 * const enumerator = source.createEnumerator(ctx, restoredState);
 * await enumerator.start();
 * await enumerator.handleSplitRequest(0);
 */
export interface SplitEnumerator<S extends SourceSplit, E> {
  start(): Promise<void>;
  handleSplitRequest(readerId: number): Promise<void>;
  /** Splits that a failed reader held, at their last committed positions. */
  addSplitsBack(splits: S[], readerId: number): void;
  addReader(readerId: number): void;
  snapshotState(): E;
  close(): Promise<void>;
}

/**
 * What an enumerator may ask of its runtime (Flink's `SplitEnumeratorContext`).
 *
 * `registerSplits` records newly discovered splits in the runtime's split store and returns
 * only those the store did not know yet, so a re-run or a restart never assigns a split twice
 * and the enumerator keeps no set of seen splits in memory.
 *
 * @example
 * const fresh = await ctx.registerSplits(discovered);
 * ctx.assignSplit(fresh[0], readerId);
 */
export interface SplitEnumeratorContext<S extends SourceSplit> {
  assignSplit(split: S, readerId: number): void;
  signalNoMoreSplits(readerId: number): void;
  registerSplits(splits: S[]): Promise<S[]>;
  currentParallelism(): number;
  registeredReaders(): number[];
  /**
   * A failure of the enumerator's own async work (discovery) that it cannot recover from;
   * the runtime ends the run with it (Flink fails the job when an async handler throws).
   */
  reportError(error: Error): void;
  /**
   * Optional: the stored split with this id and its status, or undefined when the store does
   * not know it (the file source compares a file's listed version with the one it planned before).
   */
  knownSplit?(splitId: string): Promise<{ readonly split: S; readonly status: string } | undefined>;
  /** Optional: something the user must be told at the end of the run (a file changed since it was read). */
  warn?(message: string): void;
}
