import { existsSync, writeFileSync } from 'node:fs';
import { DiscoveringSplitEnumerator } from '../../lib/source-support/DiscoveringSplitEnumerator';
import { Boundedness } from '../../lib/source-support/Boundedness';
import { InputStatus } from '../../lib/source-support/RecordBatch';
import type { PollResult, RecordBatch } from '../../lib/source-support/RecordBatch';
import type { Source } from '../../lib/source-support/Source';
import type { SourceReader, SourceReaderContext } from '../../lib/source-support/SourceReader';
import type { SourceSplit, SplitSerializer } from '../../lib/source-support/SourceSplit';
import { FifoSplitAssigner } from '../../lib/source-support/SplitAssigner';
import type { SplitDiscoverer } from '../../lib/source-support/SplitDiscoverer';

export interface HoldingSourceOptions {
  /** Splits `s0` … `s<n-1>`, one record each. */
  readonly splits: number;
  /**
   * The first reader to hold this many splits ends its thread (process.exit(1) in a worker)
   * shortly after, with its next split request open, and leaves this marker file, so its
   * restarted successor reads normally.
   */
  /** Discovery stays open this long after its one page (so requests wait, as for an unbounded topic). */
  readonly discoveryLingersMs?: number;
  /** The first poll that finds this many splits held throws (once per source), as a Redis outage would. */
  readonly failOnceWhenHolding?: number;
  /** Every reader's start() takes this long (a connection being made). */
  readonly startDelayMs?: number;
  readonly crashWhenHolding?: { readonly splits: number; readonly marker: string };
}

type HoldingSplit = SourceSplit;

const serializer: SplitSerializer<HoldingSplit> = {
  version: 1,
  serialize: (s) => ({ splitId: s.splitId }),
  deserialize: (_version, data) => ({ splitId: String(data.splitId) }),
};

/**
 * A bounded test source whose readers, like Rafka's, hold several splits at once and keep one
 * split request outstanding until told there are no more.
 */
export function holdingSource(options: HoldingSourceOptions): Source<{ split: string }, HoldingSplit> {
  const discoverer: SplitDiscoverer<HoldingSplit, number> = {
    async *discover() {
      yield { splits: Array.from({ length: options.splits }, (_, i) => ({ splitId: `s${i}` })), cursor: options.splits };
      await new Promise((resolve) => setTimeout(resolve, options.discoveryLingersMs ?? 0));
    },
  };
  const shared = { failed: false };
  return {
    type: 'holding',
    boundedness: Boundedness.BOUNDED,
    splitSerializer: serializer,
    createDiscoverer: () => discoverer,
    createEnumerator: (ctx, state) => new DiscoveringSplitEnumerator(ctx, discoverer, new FifoSplitAssigner(), { bounded: true, discoveryIntervalMs: 0 }, state as never),
    createReader: (ctx) => new HoldingReader(ctx, options, shared),
  };
}

class HoldingReader implements SourceReader<{ split: string }, HoldingSplit> {
  private readonly splits = new Map<string, HoldingSplit>();
  private requested = false;
  private noMoreSplits = false;
  private wake: () => void = () => undefined;

  constructor(private readonly ctx: SourceReaderContext, private readonly options: HoldingSourceOptions, private readonly shared: { failed: boolean }) {}

  async start(): Promise<void> {
    if (this.options.startDelayMs) await new Promise((resolve) => setTimeout(resolve, this.options.startDelayMs));
    this.request();
  }

  addSplits(splits: HoldingSplit[]): void {
    for (const s of splits) this.splits.set(s.splitId, s);
    this.requested = false;
    this.request();
    this.wake();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.wake();
  }

  async poll(): Promise<PollResult<{ split: string }, HoldingSplit>> {
    const crash = this.options.crashWhenHolding;
    if (crash && !existsSync(crash.marker)) {
      if (this.splits.size < crash.splits) return { status: InputStatus.NOTHING_AVAILABLE };
      writeFileSync(crash.marker, 'crashed');
      // Let the split request the last addSplits sent reach the coordinator first: it stays open there.
      await new Promise((resolve) => setTimeout(resolve, 100));
      process.exit(1);
    }
    if (this.options.failOnceWhenHolding !== undefined && !this.shared.failed) {
      if (this.splits.size < this.options.failOnceWhenHolding) return { status: InputStatus.NOTHING_AVAILABLE };
      this.shared.failed = true;
      // Let the split request the last addSplits sent reach the coordinator first: it stays open there.
      await new Promise((resolve) => setTimeout(resolve, 50));
      throw new Error('simulated read failure');
    }
    const [split] = this.splits.values();
    if (!split) {
      this.request();
      return { status: this.noMoreSplits ? InputStatus.END_OF_INPUT : InputStatus.NOTHING_AVAILABLE };
    }
    this.splits.delete(split.splitId);
    const batch: RecordBatch<{ split: string }, HoldingSplit> = { splitId: split.splitId, records: [{ id: `${split.splitId}@0`, value: { split: split.splitId } }], badRecords: [], split, finished: true, bytes: 1 };
    return { status: InputStatus.MORE_AVAILABLE, batch };
  }

  isAvailable(): Promise<void> {
    if (this.noMoreSplits) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }

  async notifyBatchCommitted(): Promise<void> {}

  snapshotState(): HoldingSplit[] {
    return [...this.splits.values()];
  }

  async close(): Promise<void> {
    this.wake();
  }

  private request(): void {
    if (this.requested || this.noMoreSplits) return;
    this.requested = true;
    this.ctx.sendSplitRequest();
  }
}
