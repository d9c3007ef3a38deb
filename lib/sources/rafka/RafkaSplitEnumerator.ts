import { DiscoveringSplitEnumerator } from '../../source-support/DiscoveringSplitEnumerator';
import type { DiscoveringEnumeratorState } from '../../source-support/DiscoveringSplitEnumerator';
import { FifoSplitAssigner } from '../../source-support/SplitAssigner';
import type { SplitEnumeratorContext } from '../../source-support/SplitEnumerator';
import type { RafkaDiscoveryCursor, RafkaPartitionDiscoverer } from './RafkaPartitionDiscoverer';
import type { RafkaSplit } from './RafkaSplit';

export type RafkaEnumeratorState = DiscoveringEnumeratorState<RafkaDiscoveryCursor>;

/**
 * The shared discovering enumerator with the partition discoverer (Flink's
 * `KafkaSourceEnumerator`): bounded iff stop ids are set (then no-more-splits once every
 * partition is found), otherwise it rediscovers every `discoveryIntervalMs` so new partitions
 * become new splits.
 *
 * @example
 * const enumerator = new RafkaSplitEnumerator(ctx, new RafkaPartitionDiscoverer(config), { bounded: false, discoveryIntervalMs: 10_000 });
 */
export class RafkaSplitEnumerator extends DiscoveringSplitEnumerator<RafkaSplit, RafkaDiscoveryCursor> {
  constructor(
    ctx: SplitEnumeratorContext<RafkaSplit>,
    discoverer: RafkaPartitionDiscoverer,
    options: { bounded: boolean; discoveryIntervalMs: number },
    state?: RafkaEnumeratorState,
  ) {
    super(ctx, discoverer, new FifoSplitAssigner<RafkaSplit>(), options, state);
  }
}
