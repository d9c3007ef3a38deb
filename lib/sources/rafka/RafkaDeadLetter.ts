import type Redis from 'ioredis';
import { appendOnce } from '../../redis/idempotentAppend';
import type { BadRecord } from '../../source-support/SourceRecord';
import { rawFields, recordId } from './RafkaEntryDecoder';
import { deadLetterKey } from './RafkaOptions';
import type { RafkaConfig } from './RafkaOptions';
import type { InboxEntry } from './RafkaPartitionState';
import type { RafkaSplit } from './RafkaSplit';

/**
 * Writes poison entries (protocol step 7) to the split's dead-letter stream, each with
 * `adf:original-id`, `adf:stream`, `adf:reason`, `adf:deliveries` and then its own fields,
 * and returns them as bad records. Idempotent: a retried batch adds nothing twice.
 */
export async function deadLetter(client: Redis, config: RafkaConfig, split: RafkaSplit, dead: InboxEntry[]): Promise<BadRecord[]> {
  if (dead.length === 0) return [];
  const key = split.streamKey;
  const target = deadLetterKey(config, split);
  const reasonOf = (e: InboxEntry) => `delivered ${e.deliveries} times without a commit`;
  await appendOnce(
    client,
    target,
    dead.map((e) => ({ dedupeId: recordId(key, e.id), fields: ['adf:original-id', e.id, 'adf:stream', key, 'adf:reason', reasonOf(e), 'adf:deliveries', String(e.deliveries), ...e.fields] })),
    { dedupePrefix: `${target}:dedupe:`, dedupeTtlSeconds: config.dedupeTtlSeconds, maxLen: 0 },
  );
  return dead.map((e) => ({ id: recordId(key, e.id), splitId: split.splitId, reason: `${reasonOf(e)}; moved to dead-letter stream ${target}`, raw: rawFields(e.fields) }));
}
