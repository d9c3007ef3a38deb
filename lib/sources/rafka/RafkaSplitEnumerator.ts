import { DiscoveringSplitEnumerator } from '../../source-support/DiscoveringSplitEnumerator';
import type { DiscoveringEnumeratorState } from '../../source-support/DiscoveringSplitEnumerator';
import type { SplitEnumeratorContext } from '../../source-support/SplitEnumerator';
import { RafkaPartitionAssigner } from './RafkaPartitionAssigner';
import type { RafkaDiscoveryCursor, RafkaPartitionDiscoverer } from './RafkaPartitionDiscoverer';
import type { RafkaSplit } from './RafkaSplit';

export type RafkaEnumeratorState = DiscoveringEnumeratorState<RafkaDiscoveryCursor>;

/**
 * The shared discovering enumerator with the partition discoverer (Flink's
 * `KafkaSourceEnumerator`): bounded iff stop ids are set (then no-more-splits once every
 * partition is found), otherwise it rediscovers every `discoveryIntervalMs` so new partitions
 * become new splits. Partitions spread over the readers by owner (RafkaPartitionAssigner).
 *
 * @example
 * const enumerator = new RafkaSplitEnumerator(ctx, new RafkaPartitionDiscoverer(config), { bounded: false, discoveryIntervalMs: 10_000 });
 */
export class RafkaSplitEnumerator extends DiscoveringSplitEnumerator<RafkaSplit, RafkaDiscoveryCursor> {
  private rebinding: Promise<void> = Promise.resolve();
  private started = false;

  constructor(
    private readonly context: SplitEnumeratorContext<RafkaSplit>,
    private readonly partitions: RafkaPartitionDiscoverer,
    options: { bounded: boolean; discoveryIntervalMs: number },
    state?: RafkaEnumeratorState,
  ) {
    super(context, partitions, new RafkaPartitionAssigner(), options, state);
  }

  /**
   * Splits restored from a state take the bound given to this run (`until`), not the stored
   * one: see RafkaPartitionDiscoverer.withCurrentBounds. Asking Redis for the last ids is
   * asynchronous; `start` waits for it, so no reader is told "no more splits" before.
   */
  override addSplitsBack(splits: RafkaSplit[], readerId: number): void {
    const task = this.partitions.withCurrentBounds(splits).then((rebound) => super.addSplitsBack(rebound, readerId));
    if (this.started) {
      task.catch((e: Error) => this.context.reportError(e));
      return;
    }
    // Before start: its await reports a failure (the extra branch keeps it from being unhandled).
    this.rebinding = Promise.all([this.rebinding, task]).then(() => undefined);
    this.rebinding.catch(() => undefined);
  }

  override async start(): Promise<void> {
    await this.rebinding;
    this.started = true;
    await super.start();
  }
}
