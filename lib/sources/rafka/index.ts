/**
 * Rafka: a Kafka-like API on Redis streams. A topic is N partition streams (`<topic>:<partition>`
 * by default), read with consumer groups; one split per partition. This entry point loads
 * ioredis: import it only where Redis is used.
 *
 * @example
 * import { rafkaSource } from 'activedataflow/lib/sources/rafka';
 * const source = rafkaSource({ topic: 'orders', partitions: 8, until: 'latest' });
 */
export { rafkaSource, RafkaSource, RAFKA_SOURCE_TYPE, RAFKA_SOURCE_ALIASES } from './RafkaSource';
export { RafkaSplit, RafkaSplitSerializer } from './RafkaSplit';
export type { RafkaPosition, RafkaSplitInit } from './RafkaSplit';
export { START_OF_STREAM, NO_STOP_ID, compareStreamIds, isStreamId } from './streamIds';
export { RafkaPartitionDiscoverer } from './RafkaPartitionDiscoverer';
export type { RafkaDiscoveryCursor } from './RafkaPartitionDiscoverer';
export { RafkaSplitEnumerator } from './RafkaSplitEnumerator';
export type { RafkaEnumeratorState } from './RafkaSplitEnumerator';
export { RafkaSourceReader, recordId } from './RafkaSourceReader';
export type { RafkaValue } from './RafkaSourceReader';
export { parseRafkaOptions, partitionKey, deadLetterKey, RAFKA_DEFAULTS } from './RafkaOptions';
export type { RafkaSourceOptions, RafkaConfig } from './RafkaOptions';
export { RedisStreamSink, redisStreamSink } from '../../sinks/RedisStreamSink';
export type { RedisStreamSinkOptions } from '../../sinks/RedisStreamSink';
export { closeRedisClients } from '../../redis/redisClient';
