import { UntrustedSplitError } from '../../errors/AdfError';
import { partitionKey, type RafkaConfig } from './RafkaOptions';
import type { RafkaSplit } from './RafkaSplit';

/**
 * Refuses a Rafka split that is not one of this topic's partitions: another topic, a partition
 * past `partitions`, or a stream key other than the one `keyPattern` gives its partition (a
 * tampered row could otherwise make the reader consume, and acknowledge, any stream in Redis).
 *
 * @example
 * checkRafkaSplit(config, split); // throws UntrustedSplitError naming the reason
 */
export function checkRafkaSplit(config: Pick<RafkaConfig, 'topic' | 'keyPattern' | 'partitions'>, split: RafkaSplit): void {
  const refuse = (why: string): never => {
    throw new UntrustedSplitError(`split ${split.splitId} refused, never read: ${why}`, { context: { splitId: split.splitId, stream: split.streamKey } });
  };
  if (split.topic !== config.topic) refuse(`topic "${split.topic}" is not the source's topic "${config.topic}"`);
  if (config.partitions !== undefined && split.partition >= config.partitions) refuse(`partition ${split.partition} is not below partitions (${config.partitions})`);
  const expected = partitionKey(config, split.partition);
  if (split.streamKey !== expected) refuse(`stream key "${split.streamKey}" does not match keyPattern "${config.keyPattern}" (partition ${split.partition} is "${expected}")`);
  if (split.splitId !== split.streamKey) refuse(`split id "${split.splitId}" is not its stream key`);
}
