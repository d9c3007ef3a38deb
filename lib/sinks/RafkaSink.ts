import { ConfigError } from '../errors';
import { RafkaProducer } from '../rafka/RafkaProducer';
import type { RafkaProducerOptions } from '../rafka/RafkaProducerOptions';
import type { SourceRecord } from '../source-support/SourceRecord';
import type { Sink, SinkBatch, SinkContext, SinkWriter } from './Sink';

export interface RafkaSinkOptions<T = unknown> extends Omit<RafkaProducerOptions, 'idempotent'> {
  /** The record's key (its partition, as Kafka's default partitioner picks it); undefined/null: round-robin. */
  readonly key?: (record: SourceRecord<T>) => string | number | null | undefined;
  /** The flag form's `--key-field F`: the key is `String(value[F])`. Ignored when `key` is given. */
  readonly keyField?: string;
}

/**
 * Loads a Rafka topic from a flow, partitioned by key: each record becomes an entry `key`,
 * `value` (JSON of the record value), `id` (the record id) in the partition Kafka's default
 * partitioner gives its key, so one key's records keep their order. Exactly once by record id
 * across crashes and reruns: a split's records are appended in read order by one Lua script
 * per chunk of 1000 (all partitions at once) that skips records at or below the split's
 * high-water mark (the position in the record id of the last record appended) and moves it,
 * so the dedupe costs one small key per split, not one per record, and a keyless record that
 * lands on another partition on a rerun is still not appended twice (docs/DESIGN-CHANGES.md,
 * "Rafka sink dedupe"). The partition count comes from the topic's metadata (`adf topic create`).
 *
 * @example
 * defineFlow({ name: 'load', source: fileSource({ path: './orders' }), sink: rafkaSink({ topic: 'orders', key: (r) => r.value.customer }) });
 */
export class RafkaSink<T = unknown> implements Sink<T> {
  readonly type = 'rafka';
  private readonly keyOf: (record: SourceRecord<T>) => string | undefined;
  private readonly producerOptions: RafkaProducerOptions;

  constructor(options: RafkaSinkOptions<T>) {
    const { key, keyField, ...producer } = options;
    if (key !== undefined && typeof key !== 'function') throw new ConfigError('rafka sink: key must be a function of the record', { context: { field: 'key' } });
    if (keyField !== undefined && (typeof keyField !== 'string' || keyField === '')) throw new ConfigError('rafka sink: keyField must be a non-empty string', { context: { field: 'keyField' } });
    this.producerOptions = { ...producer, idempotent: true };
    new RafkaProducer(this.producerOptions); // validates the options now, not at the first write
    this.keyOf = key
      ? (r) => stringKey(key(r))
      : keyField
        ? (r) => stringKey((r.value as Record<string, unknown> | null)?.[keyField] as string | number | undefined)
        : () => undefined;
  }

  /** Fails before any reader starts when the topic's partition count is unknown. */
  async check(): Promise<void> {
    const producer = new RafkaProducer(this.producerOptions);
    try {
      await producer.partitions();
    } finally {
      await producer.close();
    }
  }

  async open(_ctx: SinkContext): Promise<SinkWriter<T>> {
    const producer = new RafkaProducer(this.producerOptions);
    return {
      write: async (batch: SinkBatch<T>) => {
        await producer.sendSplit(batch.splitId, batch.records.map((r) => ({ key: this.keyOf(r), value: r.value, id: r.id })));
        return undefined;
      },
      close: () => producer.close(),
    };
  }
}

function stringKey(key: string | number | null | undefined): string | undefined {
  return key === undefined || key === null ? undefined : String(key);
}

export function rafkaSink<T = unknown>(options: RafkaSinkOptions<T>): RafkaSink<T> {
  return new RafkaSink(options);
}
