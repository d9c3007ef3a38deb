/**
 * Rafka's producing side and topic metadata: a Kafka-like producer (Kafka's default
 * partitioner), the `<topic>:meta` hash, and the rafka sink. Loads ioredis: import it only
 * where Redis is used.
 *
 * @example
 * import { rafkaProducer } from 'activedataflow/lib/rafka';
 * const producer = rafkaProducer({ topic: 'orders' });
 * await producer.send([{ key: 'c1', value: { total: 3 } }]);
 */
export { RafkaProducer, rafkaProducer, entryFields } from './RafkaProducer';
export type { ProducerRecord, RecordMetadata } from './RafkaProducer';
export type { RafkaProducerOptions } from './RafkaProducerOptions';
export { PRODUCER_DEFAULTS } from './RafkaProducerOptions';
export { murmur2, toPositive, kafkaPartitionForKey } from './kafkaPartitioner';
export { readTopicMetadata, createTopicMetadata, addPartitions, topicMetaKey, MAX_PARTITIONS } from './RafkaTopicMetadata';
export type { RafkaTopicMetadata } from './RafkaTopicMetadata';
export { RafkaSink, rafkaSink } from '../sinks/RafkaSink';
export type { RafkaSinkOptions } from '../sinks/RafkaSink';
