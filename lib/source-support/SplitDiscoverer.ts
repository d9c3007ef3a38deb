import type { SourceSplit } from './SourceSplit';

/**
 * One page of discovery: the splits found and the cursor to resume discovery after them.
 */
export interface DiscoveryPage<S extends SourceSplit, C> {
  readonly splits: S[];
  readonly cursor: C;
  /** The pass stopped early (e.g. `maxFilesPerRun`): the next pass continues from `cursor`. */
  readonly more?: boolean;
}

/**
 * Finds splits page by page, resuming from a cursor, so memory stays flat however many
 * files or partitions there are. Used by the embedded enumerator and, directly, by the
 * serverless enumerator function (where the queue, not a reader request, assigns splits).
 *
 * @example
 * for await (const page of discoverer.discover(cursor)) { await store.createSplits(page.splits); cursor = page.cursor }
 */
export interface SplitDiscoverer<S extends SourceSplit, C> {
  discover(cursor: C | undefined): AsyncIterable<DiscoveryPage<S, C>>;
}
