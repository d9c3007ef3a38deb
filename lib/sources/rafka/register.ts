import { registerSink, registerSource, requiredOption } from '../../flow/registry';
import type { FlowOptions } from '../../flow/FlowRef';
import type { RafkaSourceOptions } from './RafkaOptions';

/*
 * The flag form of the rafka source (`--source rafka`, alias `redis-stream`) and of the Redis
 * stream sink (`--sink redis-stream --out <stream>`). Loaded only by registerBuiltins when
 * rafka is wanted; ioredis is loaded on use, inside the factories.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
registerSource(['rafka', 'redis-stream'], (o) => {
  const { rafkaSource } = require('./RafkaSource') as typeof import('./RafkaSource');
  return rafkaSource(rafkaOptionsFromFlags(o));
});

registerSink(['redis-stream'], (o) => {
  const { redisStreamSink } = require('../../sinks/RedisStreamSink') as typeof import('../../sinks/RedisStreamSink');
  return redisStreamSink({ stream: requiredOption(o, 'out', '--out'), url: o.redisUrl as string | undefined });
});
// `--sink rafka --topic T --key-field F` (with a rafka source too, the sink's topic is --out).
registerSink(['rafka'], (o) => {
  const { rafkaSink } = require('../../sinks/RafkaSink') as typeof import('../../sinks/RafkaSink');
  const topic = o.source === 'rafka' || o.source === 'redis-stream' ? requiredOption(o, 'out', '--out') : ((o.out as string | undefined) ?? requiredOption(o, 'topic', '--topic'));
  return rafkaSink({ topic, url: o.redisUrl as string | undefined, keyField: o.keyField as string | undefined });
});
/* eslint-enable @typescript-eslint/no-require-imports */

/** `--redis-url --topic [--partitions] [--group] [--until latest] [--start …]` → rafkaSource options. */
export function rafkaOptionsFromFlags(o: FlowOptions): RafkaSourceOptions {
  return {
    topic: requiredOption(o, 'topic', '--topic'),
    url: o.redisUrl as string | undefined,
    partitions: o.partitions as number | undefined,
    // The group defaults to the flow's name, so two flows on one topic each see every entry.
    group: (o.group as string | undefined) ?? o.name ?? `${o.source}-to-${o.sink}`,
    until: o.until as 'latest' | undefined,
    start: o.start as string | undefined,
  };
}
