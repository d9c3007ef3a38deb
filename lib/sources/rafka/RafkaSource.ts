import { Boundedness } from '../../source-support/Boundedness';
import type { Source } from '../../source-support/Source';
import type { SourceReaderContext } from '../../source-support/SourceReader';
import type { SplitEnumeratorContext } from '../../source-support/SplitEnumerator';
import { parseRafkaOptions } from './RafkaOptions';
import type { RafkaConfig, RafkaSourceOptions } from './RafkaOptions';
import { RafkaPartitionDiscoverer } from './RafkaPartitionDiscoverer';
import type { RafkaDiscoveryCursor } from './RafkaPartitionDiscoverer';
import { RafkaSourceReader } from './RafkaSourceReader';
import type { RafkaValue } from './RafkaSourceReader';
import { RafkaSplit, RafkaSplitSerializer } from './RafkaSplit';
import { checkRafkaSplit } from './RafkaSplitGuard';
import { RafkaSplitEnumerator } from './RafkaSplitEnumerator';
import type { RafkaEnumeratorState } from './RafkaSplitEnumerator';

/** Registry name, and the alias accepted where sources are chosen by name. */
export const RAFKA_SOURCE_TYPE = 'rafka';
export const RAFKA_SOURCE_ALIASES: readonly string[] = ['rafka', 'redis-stream'];

/**
 * A Kafka-like topic on Redis streams: one split per partition stream, consumer-group reads,
 * progress = last committed entry id. Unbounded unless `until` is given.
 */
export class RafkaSource implements Source<RafkaValue, RafkaSplit, RafkaEnumeratorState, RafkaDiscoveryCursor> {
  readonly type = RAFKA_SOURCE_TYPE;
  readonly boundedness: Boundedness;
  readonly splitSerializer = RafkaSplitSerializer;
  readonly config: RafkaConfig;
  /** One more than maxDeliveries: a poison entry goes to the dead-letter stream before its partition could fail. */
  readonly minAttempts: number;

  constructor(options: RafkaSourceOptions) {
    this.config = parseRafkaOptions(options);
    this.minAttempts = this.config.maxDeliveries + 1;
    this.boundedness = this.config.until === undefined ? Boundedness.CONTINUOUS_UNBOUNDED : Boundedness.BOUNDED;
  }

  /** What the source reads: server (without credentials), db, topic and group. Part of a run's identity. */
  get identity(): string {
    const { connection, topic, group } = this.config;
    let server = connection.url ?? 'default redis';
    try {
      const url = new URL(server);
      server = `${url.protocol}//${url.host}${url.pathname}`;
    } catch {
      // not a URL: the default from the environment
    }
    return `rafka:${server}${connection.db === undefined ? '' : ` db ${connection.db}`} topic ${topic} group ${group}`;
  }

  createEnumerator(ctx: SplitEnumeratorContext<RafkaSplit>, checkpoint?: RafkaEnumeratorState): RafkaSplitEnumerator {
    const bounded = this.boundedness === Boundedness.BOUNDED;
    return new RafkaSplitEnumerator(ctx, this.createDiscoverer(), { bounded, discoveryIntervalMs: bounded ? 0 : this.config.discoveryIntervalMs }, checkpoint);
  }

  createReader(ctx: SourceReaderContext): RafkaSourceReader {
    return new RafkaSourceReader(this.config, ctx);
  }

  createDiscoverer(): RafkaPartitionDiscoverer {
    return new RafkaPartitionDiscoverer(this.config);
  }

  /** Only this topic's partition streams, as keyPattern names them (see RafkaSplitGuard). */
  async validateSplit(split: RafkaSplit): Promise<void> {
    checkRafkaSplit(this.config, split);
  }
}

/**
 * Reads a Rafka topic. Options are validated here; a mistake is a ConfigError naming the field.
 *
 * @example
 * export default defineFlow({
 *   name: 'orders-in',
 *   source: rafkaSource({ url: 'redis://127.0.0.1:6380', topic: 'orders', partitions: 8, until: 'latest' }),
 *   sink: jsonlSink({ dir: './out' }),
 * });
 */
export function rafkaSource(options: RafkaSourceOptions): RafkaSource {
  return new RafkaSource(options);
}
