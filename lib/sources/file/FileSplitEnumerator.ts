import {
  DiscoveringSplitEnumerator,
  type DiscoveringEnumeratorState,
} from '../../source-support/DiscoveringSplitEnumerator';
import type { SplitDiscoverer } from '../../source-support/SplitDiscoverer';
import type { SplitEnumeratorContext } from '../../source-support/SplitEnumerator';
import { FifoSplitAssigner } from '../../source-support/SplitAssigner';
import type { FileDiscoverer, FileDiscoveryCursor, FileDiscoveryPage } from './FileDiscoverer';
import { FileChangeDetector } from './FileChangeDetector';
import type { FileSplit } from './FileSplit';

export type FileEnumeratorState = DiscoveringEnumeratorState<FileDiscoveryCursor>;

/**
 * The file source's enumerator (Flink's `StaticFileSplitEnumerator`): one discovery pass,
 * files handed out first-discovered-first, and no-more-splits once the pass is done.
 * Listing and assignment live in `FileDiscoverer` and `FifoSplitAssigner`; a failure during
 * discovery goes to `ctx.reportError`.
 *
 * A pass cut short by maxFilesPerRun ends this run like a finished one, but its checkpoint
 * says discovery is not done, so the next run continues after the files this one read
 * instead of starting over.
 *
 * @example
 * const enumerator = new FileSplitEnumerator(ctx, source.createDiscoverer(), restoredState);
 * await enumerator.start();
 */
export class FileSplitEnumerator extends DiscoveringSplitEnumerator<FileSplit, FileDiscoveryCursor> {
  private readonly pass: { stoppedEarly: boolean };

  constructor(
    ctx: SplitEnumeratorContext<FileSplit>,
    private readonly files: FileDiscoverer,
    state?: FileEnumeratorState,
  ) {
    const pass = { stoppedEarly: false };
    const changes = new FileChangeDetector(ctx);
    const observed: SplitDiscoverer<FileSplit, FileDiscoveryCursor> = {
      async *discover(cursor) {
        pass.stoppedEarly = false;
        for await (const page of files.discover(cursor) as AsyncIterable<FileDiscoveryPage>) {
          if (page.more) pass.stoppedEarly = true;
          // A file changed since an earlier run planned it is planned again as a new version.
          yield { ...page, splits: await changes.review(page.splits) };
        }
      },
    };
    super(ctx, observed, new FifoSplitAssigner<FileSplit>(), { bounded: true, discoveryIntervalMs: 0 }, state);
    this.pass = pass;
  }

  /**
   * Fails fast on a missing path: `start()` rejects with the ConfigError naming it before
   * any reader is started, instead of the error arriving later from background discovery.
   */
  override async start(): Promise<void> {
    await this.files.checkPath();
    await super.start();
  }

  override snapshotState(): FileEnumeratorState {
    const state = super.snapshotState();
    return this.pass.stoppedEarly && state.discoveryDone ? { ...state, discoveryDone: false } : state;
  }
}
