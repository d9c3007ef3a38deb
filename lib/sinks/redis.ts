/**
 * The Redis sink, as its own entry point: `lib/sinks` (index) does not load ioredis, so a
 * file-only bundle stays free of it.
 *
 * @example
 * import { redisStreamSink } from 'activedataflow/lib/sinks/redis';
 */
export { RedisStreamSink, redisStreamSink } from './RedisStreamSink';
export type { RedisStreamSinkOptions } from './RedisStreamSink';
export { RafkaSink, rafkaSink } from './RafkaSink';
export type { RafkaSinkOptions } from './RafkaSink';
