import { isRetryable } from '../errors';
import type { SourceSplit } from './SourceSplit';
import type { SplitAssigner } from './SplitAssigner';
import type { SplitDiscoverer } from './SplitDiscoverer';
import type { SplitEnumerator, SplitEnumeratorContext } from './SplitEnumerator';

export interface DiscoveringEnumeratorState<C> {
  readonly cursor: C | undefined;
  /** True once a bounded source has discovered everything it ever will. */
  readonly discoveryDone: boolean;
}

export interface DiscoveringEnumeratorOptions {
  readonly bounded: boolean;
  /** Unbounded sources rediscover this often; 0 disables periodic discovery. */
  readonly discoveryIntervalMs: number;
}

/**
 * The shared enumerator: runs a discoverer, registers what it finds with the runtime's
 * split store (which drops what is already known), and hands pending splits to readers in
 * the order they ask. Per-source enumerators (`FileSplitEnumerator`, `RafkaSplitEnumerator`)
 * are this class with their own discoverer.
 *
 * Readers that ask while discovery is still running wait; a bounded source answers them
 * with no-more-splits once discovery is done and nothing is pending.
 *
 * @example
 * const enumerator = new DiscoveringSplitEnumerator(ctx, new FileDiscoverer(config), new FifoSplitAssigner(), { bounded: true, discoveryIntervalMs: 0 }, state);
 * await enumerator.start();
 * await enumerator.handleSplitRequest(0); // assigns, waits for discovery, or signals no-more-splits
 */
export class DiscoveringSplitEnumerator<S extends SourceSplit, C> implements SplitEnumerator<S, DiscoveringEnumeratorState<C>> {
  private cursor: C | undefined;
  private discoveryDone: boolean;
  private readonly waiting = new Set<number>();
  /** Readers told "no more splits" that have not asked again since: they will not come for a split. */
  private readonly ended = new Set<number>();
  private discovering: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Whether a discovery pass of this run has completed: until one has, a failure ends the run. */
  private discoveredOnce = false;

  constructor(
    private readonly ctx: SplitEnumeratorContext<S>,
    private readonly discoverer: SplitDiscoverer<S, C>,
    private readonly assigner: SplitAssigner<S>,
    private readonly options: DiscoveringEnumeratorOptions,
    state?: DiscoveringEnumeratorState<C>,
  ) {
    // A finished discovery is a previous run's: a new run looks again from the start (new
    // files may have come) and the split store drops what it already knows. An unfinished
    // one was interrupted and resumes from its cursor.
    this.cursor = state?.discoveryDone ? undefined : state?.cursor;
    this.discoveryDone = false;
  }

  async start(): Promise<void> {
    if (!this.discoveryDone) this.discovering = this.discoverOnce();
    if (!this.options.bounded && this.options.discoveryIntervalMs > 0) {
      this.timer = setInterval(() => {
        if (!this.discovering) this.discovering = this.discoverOnce();
      }, this.options.discoveryIntervalMs);
      this.timer.unref();
    }
  }

  /** Resolves when the discovery pass in flight (if any) has registered all it found. */
  async awaitDiscovery(): Promise<void> {
    await this.discovering;
  }

  async handleSplitRequest(readerId: number): Promise<void> {
    this.ended.delete(readerId);
    this.waiting.add(readerId);
    this.assignToWaiting();
  }

  addSplitsBack(splits: S[], _readerId?: number): void {
    this.assigner.add(splits);
    this.assignToWaiting();
  }

  addReader(): void {}

  snapshotState(): DiscoveringEnumeratorState<C> {
    return { cursor: this.cursor, discoveryDone: this.discoveryDone };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.discovering?.catch(() => undefined);
  }

  private async discoverOnce(): Promise<void> {
    try {
      for await (const page of this.discoverer.discover(this.cursor)) {
        if (this.closed) return;
        const fresh = await this.ctx.registerSplits(page.splits);
        this.assigner.add(fresh);
        this.cursor = page.cursor;
        this.assignToWaiting();
      }
      if (this.options.bounded) this.discoveryDone = true;
      this.discoveredOnce = true;
    } catch (e) {
      // A transient failure of periodic rediscovery is tried again at the next interval;
      // anything else (a missing path, a bad pattern), or a first pass that fails (the source was
      // never reachable: waiting silently would look like an idle stream), ends the run with a clear error.
      if (this.options.bounded || !isRetryable(e) || !this.discoveredOnce) this.ctx.reportError(e as Error);
    } finally {
      this.discovering = undefined;
      this.assignToWaiting();
    }
  }

  private assignToWaiting(): void {
    for (const readerId of [...this.waiting]) {
      const split = this.assigner.next(readerId, this.ctx.registeredReaders().filter((r) => !this.ended.has(r)));
      if (split) {
        this.waiting.delete(readerId);
        this.ctx.assignSplit(split, readerId);
      } else if (this.discoveryDone && !this.discovering) {
        this.waiting.delete(readerId);
        this.ended.add(readerId);
        this.ctx.signalNoMoreSplits(readerId);
      }
    }
  }
}
