import type { SplitAssigner } from '../../source-support/SplitAssigner';
import type { RafkaSplit } from './RafkaSplit';

/**
 * Which reader reads which partition, as Flink's Kafka enumerator decides it: partition p is
 * owned by the (p mod n)-th of the n readers that may still ask for splits (in id order), and a
 * reader that asks gets only the partitions it owns. A Rafka reader keeps a split request
 * outstanding, so first-come assignment gave every partition to whichever reader thread started
 * first (all 4 partitions to reader 0 with `--parallelism 2`); this spreads them evenly.
 *
 * A partition is never left waiting for a reader that will not ask: the owner is chosen among
 * `readers` (registered, not told "no more splits" since they last asked), so a reader that
 * stopped or ended hands its pending partitions to the others. Without readers (a runtime that
 * does not say), or for a reader outside them, it is first come, first served.
 *
 * @example
 * const assigner = new RafkaPartitionAssigner();
 * assigner.add(splits);                 // partitions 0..3
 * assigner.next(1, [0, 1])?.partition;  // 1 (then 3)
 */
export class RafkaPartitionAssigner implements SplitAssigner<RafkaSplit> {
  private readonly pending: RafkaSplit[] = [];

  add(splits: RafkaSplit[]): void {
    this.pending.push(...splits);
  }

  next(readerId: number, readers: readonly number[] = []): RafkaSplit | undefined {
    const owners = [...readers].sort((a, b) => a - b);
    const mine = owners.includes(readerId)
      ? this.pending.findIndex((s) => owners[s.partition % owners.length] === readerId)
      : this.pending.length > 0 ? 0 : -1;
    return mine < 0 ? undefined : this.pending.splice(mine, 1)[0];
  }

  remaining(): RafkaSplit[] {
    return [...this.pending];
  }
}
