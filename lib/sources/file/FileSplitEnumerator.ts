import {
  DiscoveringSplitEnumerator,
  type DiscoveringEnumeratorState,
} from '../../source-support/DiscoveringSplitEnumerator';
import type { SplitEnumeratorContext } from '../../source-support/SplitEnumerator';
import { FifoSplitAssigner } from '../../source-support/SplitAssigner';
import type { FileDiscoverer, FileDiscoveryCursor } from './FileDiscoverer';
import type { FileSplit } from './FileSplit';

export type FileEnumeratorState = DiscoveringEnumeratorState<FileDiscoveryCursor>;

/**
 * The file source's enumerator (Flink's `StaticFileSplitEnumerator`): one discovery pass,
 * files handed out first-discovered-first, and no-more-splits once the pass is done.
 * Listing and assignment live in `FileDiscoverer` and `FifoSplitAssigner`; a failure during
 * discovery goes to `ctx.reportError`.
 *
 * @example
 * const enumerator = new FileSplitEnumerator(ctx, source.createDiscoverer(), restoredState);
 * await enumerator.start();
 */
export class FileSplitEnumerator extends DiscoveringSplitEnumerator<FileSplit, FileDiscoveryCursor> {
  constructor(
    ctx: SplitEnumeratorContext<FileSplit>,
    private readonly files: FileDiscoverer,
    state?: FileEnumeratorState,
  ) {
    super(ctx, files, new FifoSplitAssigner<FileSplit>(), { bounded: true, discoveryIntervalMs: 0 }, state);
  }

  /**
   * Fails fast on a missing path: `start()` rejects with the ConfigError naming it before
   * any reader is started, instead of the error arriving later from background discovery.
   */
  override async start(): Promise<void> {
    await this.files.checkPath();
    await super.start();
  }
}
