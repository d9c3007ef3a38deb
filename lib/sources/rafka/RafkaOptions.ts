import { z } from 'zod';
import { ConfigError } from '../../errors';
import { isRedisUrl } from '../../redis/redisUrl';
import type { RedisConnectionOptions } from '../../redis/redisClient';
import { isStreamId } from './streamIds';

/**
 * Options of `rafkaSource`. A topic is `partitions` Redis streams named by `keyPattern`.
 *
 * @example
 * rafkaSource({ url: 'redis://127.0.0.1:6380', topic: 'orders', partitions: 8, group: 'billing' })
 */
export interface RafkaSourceOptions {
  readonly topic: string;
  /** Redis URL (`redis://`, `rediss://` for TLS, password in the URL); default ADF_REDIS_URL / REDIS_URL. */
  readonly url?: string;
  readonly redis?: Omit<RedisConnectionOptions, 'url'>;
  /** Partitions 0..n-1. Without it, partitions are found by SCAN over `keyPattern`. */
  readonly partitions?: number;
  /** Stream key of a partition; `{topic}` and `{partition}` are filled in. Default `{topic}:{partition}`. */
  readonly keyPattern?: string;
  /** Consumer group; default 'adf' (`adf run` passes the flow name). */
  readonly group?: string;
  /** Consumer name; default `adf-<readerId>-<pid>`. */
  readonly consumer?: string;
  /**
   * Where a NEW group starts: `earliest` (`0`), `latest` (`$`) or an entry id. Only used when
   * the group is created for a split with no committed position; after that the split's
   * committed position governs.
   */
  readonly start?: 'earliest' | 'latest' | string;
  /**
   * Makes the source bounded. `latest`: each partition up to its last entry at discovery time.
   * A map `{ partition: stopId }`: those stop ids; partitions not in the map have nothing to read.
   */
  readonly until?: 'latest' | Readonly<Record<string, string>>;
  /** Unbounded runs look for new partitions this often (ms); 0 = never. Default 10 000. */
  readonly discoveryIntervalMs?: number;
  /** Deliveries without a commit after which an entry goes to the dead-letter stream. Default 5. */
  readonly maxDeliveries?: number;
  /** Dead-letter stream key; `{streamKey}`, `{topic}`, `{partition}` are filled in. Default `{streamKey}:dead-letter`. */
  readonly deadLetterStream?: string;
  /** Longest a poll waits for new entries (XREADGROUP BLOCK), ms, 0..1000. Default 500. */
  readonly blockMs?: number;
  /** Pending entries taken over per XAUTOCLAIM call. Default 500. */
  readonly claimPageSize?: number;
  /** Record value = this field of the entry (decoded per `valueEncoding`) instead of all fields as an object. */
  readonly valueField?: string;
  /** How `valueField` is decoded; default `json`. An entry that fails to decode is a bad record. */
  readonly valueEncoding?: 'json' | 'string';
  /** How long the dead-letter stream remembers what it already holds (s). Default 86 400. */
  readonly dedupeTtlSeconds?: number;
}

/** Defaults, in one place. */
export const RAFKA_DEFAULTS = {
  keyPattern: '{topic}:{partition}',
  group: 'adf',
  start: 'earliest',
  discoveryIntervalMs: 10_000,
  maxDeliveries: 5,
  deadLetterStream: '{streamKey}:dead-letter',
  blockMs: 500,
  claimPageSize: 500,
  valueEncoding: 'json',
  dedupeTtlSeconds: 86_400,
} as const;

/** The options with every default filled in. */
export interface RafkaConfig {
  readonly topic: string;
  readonly connection: RedisConnectionOptions;
  readonly partitions: number | undefined;
  readonly keyPattern: string;
  readonly group: string;
  readonly consumer: string | undefined;
  /** `0`, `$` or an entry id, as XGROUP CREATE takes it. */
  readonly startId: string;
  readonly until: 'latest' | Readonly<Record<string, string>> | undefined;
  readonly discoveryIntervalMs: number;
  readonly maxDeliveries: number;
  readonly deadLetterStream: string;
  readonly blockMs: number;
  readonly claimPageSize: number;
  readonly valueField: string | undefined;
  readonly valueEncoding: 'json' | 'string';
  readonly dedupeTtlSeconds: number;
}

const int = (field: string, min: number, max: number) =>
  z
    .number({ error: `${field} must be a whole number between ${min} and ${max}` })
    .int(`${field} must be a whole number between ${min} and ${max}`)
    .min(min, `${field} must be between ${min} and ${max}`)
    .max(max, `${field} must be between ${min} and ${max}`);

const name = (field: string) => z.string({ error: `${field} must be a non-empty string` }).min(1, `${field} must be a non-empty string`).max(512, `${field} must be at most 512 characters`);
const entryId = (field: string) => z.string({ error: `${field} must be a stream entry id like 1700000000000-0` }).refine(isStreamId, `${field} must be a stream entry id like 1700000000000-0`);

const Schema = z.object({
  topic: name('topic').refine((t) => !/[{}]/.test(t), 'topic must not contain { or }'),
  url: z.string({ error: 'url must be a string' }).refine(isRedisUrl, 'url must look like redis://host:port or rediss://host:port').optional(),
  redis: z.object({ password: z.string().optional(), username: z.string().optional(), tls: z.boolean().optional(), db: int('redis.db', 0, 15).optional() }, { error: 'redis must be an object' }).strict().optional(),
  partitions: int('partitions', 1, 65_536).optional(),
  keyPattern: name('keyPattern').refine((p) => p.includes('{partition}'), 'keyPattern must contain {partition}').optional(),
  group: name('group').optional(),
  consumer: name('consumer').optional(),
  start: z
    .string({ error: 'start must be earliest, latest or a stream entry id' })
    .refine((s) => s === 'earliest' || s === 'latest' || isStreamId(s), 'start must be earliest, latest or a stream entry id like 1700000000000-0')
    .optional(),
  until: z
    .union([z.literal('latest'), z.record(z.string().regex(/^\d+$/, 'until keys must be partition numbers'), entryId('until stop id'))], { error: 'until must be "latest" or a map { partition: stopId }' })
    .optional(),
  discoveryIntervalMs: int('discoveryIntervalMs', 0, 86_400_000).optional(),
  maxDeliveries: int('maxDeliveries', 1, 1_000).optional(),
  deadLetterStream: name('deadLetterStream').optional(),
  blockMs: int('blockMs', 0, 1_000).optional(),
  claimPageSize: int('claimPageSize', 1, 10_000).optional(),
  valueField: name('valueField').optional(),
  valueEncoding: z.enum(['json', 'string'], { error: 'valueEncoding must be json or string' }).optional(),
  dedupeTtlSeconds: int('dedupeTtlSeconds', 60, 365 * 86_400).optional(),
}).strict();

/**
 * Validates once, at construction; a mistake is a ConfigError naming the field and the range:
 * `rafka source: partitions must be between 1 and 65536 (got 0)`.
 */
export function parseRafkaOptions(options: RafkaSourceOptions): RafkaConfig {
  const parsed = Schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String);
    const got = path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), options);
    const message = issue.code === 'unrecognized_keys' ? `unknown option ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : issue.message;
    const suffix = issue.code === 'unrecognized_keys' ? '' : ` (got ${got === undefined ? 'nothing' : JSON.stringify(got)})`;
    throw new ConfigError(`rafka source: ${message}${suffix}`, { context: { field: path.join('.') } });
  }
  const o = parsed.data;
  const start = o.start ?? RAFKA_DEFAULTS.start;
  return {
    topic: o.topic,
    connection: { url: o.url, ...o.redis },
    partitions: o.partitions,
    keyPattern: o.keyPattern ?? RAFKA_DEFAULTS.keyPattern,
    group: o.group ?? RAFKA_DEFAULTS.group,
    consumer: o.consumer,
    startId: start === 'earliest' ? '0' : start === 'latest' ? '$' : start,
    until: o.until,
    discoveryIntervalMs: o.discoveryIntervalMs ?? RAFKA_DEFAULTS.discoveryIntervalMs,
    maxDeliveries: o.maxDeliveries ?? RAFKA_DEFAULTS.maxDeliveries,
    deadLetterStream: o.deadLetterStream ?? RAFKA_DEFAULTS.deadLetterStream,
    blockMs: o.blockMs ?? RAFKA_DEFAULTS.blockMs,
    claimPageSize: o.claimPageSize ?? RAFKA_DEFAULTS.claimPageSize,
    valueField: o.valueField,
    valueEncoding: o.valueEncoding ?? RAFKA_DEFAULTS.valueEncoding,
    dedupeTtlSeconds: o.dedupeTtlSeconds ?? RAFKA_DEFAULTS.dedupeTtlSeconds,
  };
}

/** The stream key of one partition. */
export function partitionKey(config: Pick<RafkaConfig, 'keyPattern' | 'topic'>, partition: number): string {
  return config.keyPattern.replaceAll('{topic}', config.topic).replaceAll('{partition}', String(partition));
}

/** The dead-letter stream of one partition. */
export function deadLetterKey(config: Pick<RafkaConfig, 'deadLetterStream'>, split: { streamKey: string; topic: string; partition: number }): string {
  return config.deadLetterStream.replaceAll('{streamKey}', split.streamKey).replaceAll('{topic}', split.topic).replaceAll('{partition}', String(split.partition));
}
