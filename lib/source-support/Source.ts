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
  createEnumerator(ctx: SplitEnumeratorContext<S>, checkpoint?: E): SplitEnumerator<S, E>;
  createReader(ctx: SourceReaderContext): SourceReader<T, S>;
  createDiscoverer(): SplitDiscoverer<S, C>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnySource = Source<any, any, any, any>;
