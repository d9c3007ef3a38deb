import type Redis from 'ioredis';
import { acquireRedisClient } from '../../redis/redisClient';
import { wrapRedisError } from '../../redis/redisErrors';
import { SplitFailedError } from '../../errors';
import type { DiscoveryPage, SplitDiscoverer } from '../../source-support/SplitDiscoverer';
import { partitionKey } from './RafkaOptions';
import type { RafkaConfig } from './RafkaOptions';
import { RafkaSplit } from './RafkaSplit';
import { NO_STOP_ID, START_OF_STREAM } from './streamIds';

/** Where a SCAN-based discovery pass stands; `'0'` starts (and, after a full pass, restarts) it. */
export interface RafkaDiscoveryCursor {
  readonly scan: string;
}

const SCAN_COUNT = 1_000;

/**
 * Finds the partitions of a topic: 0..n-1 from a configured count, or every stream whose key
 * matches the key pattern (SCAN MATCH … TYPE stream). Every pass finds all partitions; the
 * split store drops the ones it knows, so a partition created mid-run becomes a new split.
 *
 * Bounded runs get their stop ids here: `until: 'latest'` takes each partition's last entry
 * id at discovery time (an empty or missing partition gets START_OF_STREAM and is finished at
 * once); a map of stop ids gives each listed partition its own.
 *
 * @example
 * for await (const page of new RafkaPartitionDiscoverer(config).discover(undefined)) console.log(page.splits);
 */
export class RafkaPartitionDiscoverer implements SplitDiscoverer<RafkaSplit, RafkaDiscoveryCursor> {
  private readonly keyRegex: RegExp;

  constructor(private readonly config: RafkaConfig) {
    const [before, after] = splitOnce(config.keyPattern.replaceAll('{topic}', config.topic), '{partition}');
    this.keyRegex = new RegExp(`^${escapeRegex(before)}(0|[1-9]\\d{0,8})${escapeRegex(after)}$`);
  }

  async *discover(cursor: RafkaDiscoveryCursor | undefined): AsyncIterable<DiscoveryPage<RafkaSplit, RafkaDiscoveryCursor>> {
    const lease = acquireRedisClient(this.config.connection);
    try {
      if (this.config.partitions !== undefined) {
        const partitions = Array.from({ length: this.config.partitions }, (_, p) => p);
        yield { splits: await this.splitsFor(lease.client, partitions), cursor: { scan: '0' } };
        return;
      }
      let scan = cursor?.scan ?? '0';
      do {
        const [next, keys] = await this.call('SCAN', () => lease.client.scan(scan, 'MATCH', this.glob(), 'COUNT', SCAN_COUNT, 'TYPE', 'stream'));
        const partitions = [...new Set(keys.map((k) => this.keyRegex.exec(k)?.[1]).filter((p): p is string => p !== undefined).map(Number))].sort((a, b) => a - b);
        scan = next;
        yield { splits: await this.splitsFor(lease.client, partitions), cursor: { scan } };
      } while (scan !== '0');
    } finally {
      lease.release();
    }
  }

  /**
   * Restored splits with the bound this run was given, not the one stored with them: a state
   * left by a live run (stop NO_STOP_ID) resumed with `until: 'latest'` stops at each
   * partition's last entry now; one left by a bounded run resumed live reads on; a map of stop
   * ids applies as given. A split stored with a `latest` stop keeps it when resumed with
   * `until: 'latest'` (one bounded run, interrupted and resumed, stops where it meant to).
   */
  async withCurrentBounds(splits: readonly RafkaSplit[]): Promise<RafkaSplit[]> {
    const until = this.config.until;
    const stale = splits.filter((s) => (until === undefined ? s.bounded : until === 'latest' ? !s.bounded : s.stopId !== (until[String(s.partition)] ?? START_OF_STREAM)));
    if (stale.length === 0) return [...splits];
    const lease = acquireRedisClient(this.config.connection);
    let stops: string[];
    try {
      stops = await this.stopIds(lease.client, stale.map((s) => s.partition), stale.map((s) => s.streamKey));
    } finally {
      lease.release();
    }
    const rebound = new Map(stale.map((s, i) => [s.splitId, new RafkaSplit({ ...s, stopId: stops[i] })]));
    return splits.map((s) => rebound.get(s.splitId) ?? s);
  }

  private async splitsFor(client: Redis, partitions: number[]): Promise<RafkaSplit[]> {
    const keys = partitions.map((p) => partitionKey(this.config, p));
    const stops = await this.stopIds(client, partitions, keys);
    return partitions.map((partition, i) => new RafkaSplit({ topic: this.config.topic, partition, streamKey: keys[i]!, stopId: stops[i] }));
  }

  private async stopIds(client: Redis, partitions: number[], keys: string[]): Promise<string[]> {
    const until = this.config.until;
    if (until === undefined) return partitions.map(() => NO_STOP_ID);
    if (until !== 'latest') return partitions.map((p) => until[String(p)] ?? START_OF_STREAM);
    if (keys.length === 0) return [];
    const pipeline = client.pipeline();
    for (const key of keys) pipeline.xrevrange(key, '+', '-', 'COUNT', 1);
    const replies = await this.call('XREVRANGE', () => pipeline.exec());
    return (replies ?? []).map(([error, reply], i) => {
      if (error) {
        const wrapped = wrapRedisError(error, `XREVRANGE of ${keys[i]}`, { splitId: keys[i] });
        // One key that is not a stream fails its own split when it is read (naming the key);
        // the other partitions are read as usual. Not START_OF_STREAM: that would finish the
        // split at once, unread and unreported.
        if (wrapped instanceof SplitFailedError) return NO_STOP_ID;
        throw wrapped;
      }
      const last = (reply as [string, string[]][])[0];
      return last ? last[0] : START_OF_STREAM;
    });
  }

  /** The key pattern as a SCAN glob: `{partition}` → `*`, the topic with glob characters escaped. */
  private glob(): string {
    return this.config.keyPattern.replaceAll('{topic}', this.config.topic.replace(/[*?[\]\\]/g, '\\$&')).replaceAll('{partition}', '*');
  }

  private async call<R>(what: string, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (e) {
      throw wrapRedisError(e, `${what} (discovering partitions of ${this.config.topic})`);
    }
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const i = text.indexOf(separator);
  return [text.slice(0, i), text.slice(i + separator.length)];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
