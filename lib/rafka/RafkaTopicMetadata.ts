import type Redis from 'ioredis';
import { ConfigError } from '../errors';

/**
 * A topic's metadata, in a hash beside its partition streams: `<topic>:meta` with `partitions`,
 * `created` (ms since epoch) and `maxLen` (the retention: each partition trimmed to about this
 * many entries; absent = keep all). The enumerator, producers, the rafka sink and the console
 * tools read it, so nobody repeats the partition count. A topic made by hand (streams without a
 * meta hash) is still found by SCAN.
 */
export interface RafkaTopicMetadata {
  readonly partitions: number;
  readonly created: number;
  /** Retention: trim each partition to about this many entries (`XADD MAXLEN ~`). */
  readonly maxLen?: number;
}

/** Partition counts are limited like the source's `partitions` option. */
export const MAX_PARTITIONS = 65_536;

/** The metadata hash of a topic. Not a stream, so the SCAN discovery (TYPE stream) never takes it for a partition. */
export function topicMetaKey(topic: string): string {
  return `${topic}:meta`;
}

/** The topic's metadata, or undefined for a topic without any (made by hand, or not at all). */
export async function readTopicMetadata(client: Redis, topic: string): Promise<RafkaTopicMetadata | undefined> {
  const hash = await client.hgetall(topicMetaKey(topic));
  if (hash.partitions === undefined) return undefined;
  const partitions = Number(hash.partitions);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new ConfigError(`topic ${topic}: ${topicMetaKey(topic)} has partitions=${JSON.stringify(hash.partitions)}, not a whole number between 1 and ${MAX_PARTITIONS}`, { context: { field: 'partitions' } });
  }
  const maxLen = hash.maxLen === undefined ? undefined : Number(hash.maxLen);
  return { partitions, created: Number(hash.created ?? 0), ...(maxLen !== undefined && maxLen > 0 ? { maxLen } : {}) };
}

/**
 * Creates the metadata of a new topic; a ConfigError when the topic has metadata already
 * (HSETNX on `partitions` decides, so two creators cannot both win).
 */
export async function createTopicMetadata(client: Redis, topic: string, options: { partitions: number; maxLen?: number }): Promise<RafkaTopicMetadata> {
  checkPartitions(options.partitions);
  const key = topicMetaKey(topic);
  if (!(await client.hsetnx(key, 'partitions', String(options.partitions)))) {
    const existing = await readTopicMetadata(client, topic);
    throw new ConfigError(`topic ${topic} exists already (${existing?.partitions ?? '?'} partitions); use adf topic add-partitions to grow it`, { context: { field: 'topic' } });
  }
  const created = Date.now();
  await client.hset(key, 'created', String(created), ...(options.maxLen ? ['maxLen', String(options.maxLen)] : []));
  return { partitions: options.partitions, created, ...(options.maxLen ? { maxLen: options.maxLen } : {}) };
}

/** Raises the partition count (never lowers it: the entries of a removed partition would be orphaned). */
export async function addPartitions(client: Redis, topic: string, to: number): Promise<{ from: number; to: number }> {
  checkPartitions(to);
  const meta = await readTopicMetadata(client, topic);
  if (!meta) throw new ConfigError(`topic ${topic} has no metadata (${topicMetaKey(topic)}); create it with adf topic create`, { context: { field: 'topic' } });
  if (to <= meta.partitions) throw new ConfigError(`--to must be more than the current ${meta.partitions} partitions (got ${to}); partitions can only be added`, { context: { field: 'to' } });
  // Compare-and-set in one script: a concurrent add-partitions cannot lower the count again.
  const ok = await client.eval(
    `if redis.call('HGET', KEYS[1], 'partitions') == ARGV[1] then redis.call('HSET', KEYS[1], 'partitions', ARGV[2]) return 1 end return 0`,
    1, topicMetaKey(topic), String(meta.partitions), String(to),
  );
  if (Number(ok) !== 1) throw new ConfigError(`topic ${topic} changed while adding partitions; look again with adf topic describe`, { context: { field: 'topic' } });
  return { from: meta.partitions, to };
}

function checkPartitions(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) throw new ConfigError(`partitions must be a whole number between 1 and ${MAX_PARTITIONS} (got ${n})`, { context: { field: 'partitions' } });
}
