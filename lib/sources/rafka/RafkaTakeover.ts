import type { RafkaConsumerGroup } from './RafkaConsumerGroup';
import { fileDelivered } from './RafkaPartitionState';
import type { PartitionState } from './RafkaPartitionState';
import { START_OF_STREAM } from './streamIds';

/**
 * One page of the takeover (protocol step 2): claims the next `pageSize` pending entries of
 * the partition, whoever held them, and files them with their delivery counters. Entries gone
 * from the stream are acknowledged. After the last page, consumers of the stream with nothing
 * pending are removed.
 *
 * Only safe because the runtime's lease gives a split to one reader at a time: whatever is
 * pending for the stream belongs to a dead or previous holder.
 */
export async function takeOverPage(group: RafkaConsumerGroup, p: PartitionState, pageSize: number): Promise<void> {
  const key = p.split.streamKey;
  const page = await group.claimPage(key, p.takeoverCursor!, pageSize);
  if (page.gone.length > 0) await group.ack(key, page.gone);
  p.takeoverCursor = page.next === START_OF_STREAM ? undefined : page.next;
  await fileDelivered(group, p, page.entries, false);
  if (p.takeoverCursor === undefined) await group.removeIdleConsumers(key);
}
