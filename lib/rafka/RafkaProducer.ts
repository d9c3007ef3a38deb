import type Redis from 'ioredis';
import { ConfigError } from '../errors';
import { appendChunks } from '../redis/chunkAppend';
import { appendOnceWithIds } from '../redis/idempotentAppend';
import { acquireRedisClient } from '../redis/redisClient';
import type { RedisConnectionOptions, RedisLease } from '../redis/redisClient';
import { wrapRedisError } from '../redis/redisErrors';
import { kafkaPartitionForKey } from './kafkaPartitioner';
import { parseProducerOptions } from './RafkaProducerOptions';
import type { RafkaProducerOptions } from './RafkaProducerOptions';
import { sendSplitOnce } from './splitOrderedSend';
import { checkTrimSafety } from './trimSafety';
import { readTopicMetadata } from './RafkaTopicMetadata';

/** One record to send. */
export interface ProducerRecord {
  /** Chooses the partition (Kafka's murmur2 of the UTF-8 bytes); absent: round-robin. */
  readonly key?: string | null;
  /** Stored as JSON in the entry's `value` field. */
  readonly value?: unknown;
  /** The value as JSON text already (tools that read JSON Lines); wins over `value`. Not checked. */
  readonly valueJson?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The record id: with `idempotent`, a record whose id was sent before is not appended again. */
  readonly id?: string;
}

/** Where a record went: its partition and stream entry id (for a duplicate, the earlier entry's id). */
export interface RecordMetadata {
  readonly partition: number;
  readonly id: string;
  readonly duplicate: boolean;
}

/**
 * Sends records to a Rafka topic the way a Kafka producer does: a keyed record goes to the
 * partition Kafka's default partitioner would choose (same key, same partition number), so
 * each key's records stay in order; keyless records go round-robin over the partitions (one
 * counter per producer: an even spread, no order between them). Entries are `key`, `value`
 * (JSON), `headers` (JSON) and `id`, each only when given; read them back with
 * `rafkaSource({ topic, valueField: 'value' })` or `adf consume`.
 *
 * The partition count comes from the topic's metadata (`adf topic create`), else the
 * `partitions` option. XADDs go 1000 to a Lua script call (one JSON argument: cheaper for
 * the client than a pipeline of XADDs), the calls pipelined. With `idempotent`, each record needs an `id` and
 * is appended at most once per id (within `dedupeTtlSeconds`), so a producer that crashed
 * can send the same records again. `maxLen` (default: the topic's retention) trims each
 * partition to about that many entries, with a warning first when a consumer group has not
 * acknowledged what may be trimmed.
 *
 * @example
 * const producer = rafkaProducer({ url: 'redis://127.0.0.1:6379', topic: 'orders' });
 * const [meta] = await producer.send([{ key: 'customer-42', value: { total: 10 } }]);
 * await producer.close();
 */
export class RafkaProducer {
  private readonly config: ReturnType<typeof parseProducerOptions>;
  private lease: RedisLease | undefined;
  private partitionCount: number | undefined;
  private maxLen = 0;
  private roundRobin = 0;

  constructor(options: RafkaProducerOptions) {
    this.config = parseProducerOptions(options);
  }

  /** The topic's partition count (metadata, else the option); read once per producer. */
  async partitions(): Promise<number> {
    if (this.partitionCount === undefined) {
      const client = this.client();
      const { topic } = this.config;
      const meta = await this.call(`HGETALL ${topic}:meta`, () => readTopicMetadata(client, topic));
      if (meta && this.config.partitions !== undefined && meta.partitions !== this.config.partitions) {
        throw new ConfigError(`rafka producer: partitions ${this.config.partitions} disagrees with topic ${topic}'s metadata (${meta.partitions} partitions); leave the option out`, { context: { field: 'partitions' } });
      }
      const partitions = meta?.partitions ?? this.config.partitions;
      if (partitions === undefined) throw new ConfigError(`rafka producer: topic ${topic} has no metadata; create it with adf topic create ${topic} --partitions N, or pass partitions`, { context: { field: 'partitions' } });
      this.maxLen = this.config.maxLen ?? meta?.maxLen ?? 0;
      this.partitionCount = partitions;
    }
    return this.partitionCount;
  }

  /** The partition a record goes to (advances the round-robin counter for a keyless one). */
  partitionFor(key: string | null | undefined, partitions: number): number {
    if (key === undefined || key === null) return this.roundRobin++ % partitions;
    return kafkaPartitionForKey(key, partitions);
  }

  /** Appends the records; resolves, in input order, to where each went. */
  async send(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    const partitions = await this.partitions();
    const client = this.client();
    const byPartition = new Map<number, number[]>();
    const targets = records.map((r, i) => {
      const p = this.partitionFor(r.key, partitions);
      let list = byPartition.get(p);
      if (!list) byPartition.set(p, (list = []));
      list.push(i);
      return p;
    });
    if (this.maxLen > 0) await this.call('XINFO GROUPS', () => checkTrimSafety(client, this.config.topic, byPartition, this.maxLen, this.config.onWarning));
    return this.config.idempotent ? this.sendOnce(client, records, byPartition) : this.sendPipelined(client, records, targets);
  }

  /**
   * The rafka sink's send: exactly once by record id for one split's batch (ids required),
   * deduped by a high-water mark per split rather than a marker per record (sendSplitOnce).
   * Resolves to how many records were appended and how many were there already.
   */
  async sendSplit(splitId: string, records: readonly ProducerRecord[]): Promise<{ added: number; skipped: number }> {
    const partitions = await this.partitions();
    const client = this.client();
    const byPartition = new Map<number, number[]>();
    const entries = records.map((r, i) => {
      if (r.id === undefined || r.id === '') throw new ConfigError(`rafka producer: idempotent sends need an id on every record (record ${i} has none)`, { context: { field: 'id' } });
      const p = this.partitionFor(r.key, partitions);
      let list = byPartition.get(p);
      if (!list) byPartition.set(p, (list = []));
      list.push(i);
      return { id: r.id, stream: this.streamKey(p), fields: entryFields(r) };
    });
    if (this.maxLen > 0) await this.call('XINFO GROUPS', () => checkTrimSafety(client, this.config.topic, byPartition, this.maxLen, this.config.onWarning));
    return this.call(`XADD to ${this.config.topic}`, () => sendSplitOnce(client, splitId, entries, { topic: this.config.topic, ttlSeconds: this.config.dedupeTtlSeconds, maxLen: this.maxLen }));
  }

  async close(): Promise<void> {
    this.lease?.release();
    this.lease = undefined;
  }

  private async sendPipelined(client: Redis, records: readonly ProducerRecord[], targets: number[]): Promise<RecordMetadata[]> {
    const entries = records.map((r, i) => ({ stream: this.streamKey(targets[i]!), fields: entryFields(r) }));
    const ids = await this.call(`XADD to ${this.config.topic}`, () => appendChunks(client, entries, this.maxLen));
    return ids.map((id, i) => ({ partition: targets[i]!, id, duplicate: false }));
  }

  private async sendOnce(client: Redis, records: readonly ProducerRecord[], byPartition: Map<number, number[]>): Promise<RecordMetadata[]> {
    const out: RecordMetadata[] = new Array(records.length);
    const { dedupeTtlSeconds } = this.config;
    // Partitions are independent: their scripts go out together on the one connection.
    await Promise.all([...byPartition].map(async ([partition, indexes]) => {
      const entries = indexes.map((i) => {
        const id = records[i]!.id;
        if (id === undefined || id === '') throw new ConfigError(`rafka producer: idempotent sends need an id on every record (record ${i} has none)`, { context: { field: 'id' } });
        return { dedupeId: id, fields: entryFields(records[i]!) };
      });
      const key = this.streamKey(partition);
      const { ids, duplicate } = await this.call(`XADD to ${key}`, () => appendOnceWithIds(client, key, entries, { dedupePrefix: dedupePrefix(this.config.topic), dedupeTtlSeconds, maxLen: this.maxLen }));
      indexes.forEach((i, j) => (out[i] = { partition, id: ids[j]!, duplicate: duplicate[j]! }));
    }));
    return out;
  }

  private streamKey(partition: number): string {
    return `${this.config.topic}:${partition}`;
  }

  private client(): Redis {
    this.lease ??= acquireRedisClient(this.config.connection as RedisConnectionOptions);
    return this.lease.client;
  }

  private async call<R>(what: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw wrapRedisError(e, `${what} (producing to ${this.config.topic})`);
    }
  }
}

/** Marker keys of idempotent sends: per topic, so a record id is unique within its topic. */
export function dedupePrefix(topic: string): string {
  return `${topic}:dedupe:`;
}

/** The stream fields of a record: key, value (JSON), headers (JSON), id — each only when given. */
export function entryFields(r: ProducerRecord): string[] {
  const fields: string[] = [];
  if (r.key !== undefined && r.key !== null) fields.push('key', r.key);
  fields.push('value', r.valueJson ?? JSON.stringify(r.value ?? null) ?? 'null');
  if (r.headers !== undefined) fields.push('headers', JSON.stringify(r.headers));
  if (r.id !== undefined) fields.push('id', r.id);
  return fields;
}

export function rafkaProducer(options: RafkaProducerOptions): RafkaProducer {
  return new RafkaProducer(options);
}
