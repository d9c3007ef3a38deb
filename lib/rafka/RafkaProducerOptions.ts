import { z } from 'zod';
import { ConfigError } from '../errors';
import type { RedisConnectionOptions } from '../redis/redisClient';
import { isRedisUrl } from '../redis/redisUrl';
import { MAX_PARTITIONS } from './RafkaTopicMetadata';

export interface RafkaProducerOptions {
  readonly topic: string;
  /** Redis URL; default ADF_REDIS_URL / REDIS_URL. */
  readonly url?: string;
  readonly redis?: Omit<RedisConnectionOptions, 'url'>;
  /** Only for a topic without metadata; must agree with the metadata when there is some. */
  readonly partitions?: number;
  /** Append each record id at most once (records need `id`); uses one Lua script per chunk. */
  readonly idempotent?: boolean;
  /** How long an idempotent producer remembers a record id (s). Default 86 400. */
  readonly dedupeTtlSeconds?: number;
  /** Trim each partition to about this many entries; default the topic's retention, else keep all. */
  readonly maxLen?: number;
  /** Where trim warnings go; default one line on stderr. */
  readonly onWarning?: (message: string) => void;
}

/** Defaults, in one place. */
export const PRODUCER_DEFAULTS = { dedupeTtlSeconds: 86_400 } as const;

const int = (field: string, min: number, max: number) =>
  z.number({ error: `${field} must be a whole number between ${min} and ${max}` }).int(`${field} must be a whole number`).min(min, `${field} must be between ${min} and ${max}`).max(max, `${field} must be between ${min} and ${max}`);

const Schema = z.object({
  topic: z.string({ error: 'topic must be a non-empty string' }).min(1, 'topic must be a non-empty string').refine((t) => !/[{}]/.test(t), 'topic must not contain { or }'),
  url: z.string({ error: 'url must be a string' }).refine(isRedisUrl, 'url must look like redis://host:port or rediss://host:port').optional(),
  redis: z.object({ password: z.string().optional(), username: z.string().optional(), tls: z.boolean().optional(), db: int('redis.db', 0, 15).optional() }).strict().optional(),
  partitions: int('partitions', 1, MAX_PARTITIONS).optional(),
  idempotent: z.boolean({ error: 'idempotent must be true or false' }).optional(),
  dedupeTtlSeconds: int('dedupeTtlSeconds', 60, 365 * 86_400).optional(),
  maxLen: int('maxLen', 1, Number.MAX_SAFE_INTEGER).optional(),
  onWarning: z.custom<(message: string) => void>((v) => typeof v === 'function', 'onWarning must be a function').optional(),
}).strict();

/** Validates once; a mistake names the field: `rafka producer: partitions must be between 1 and 65536 (got 0)`. */
export function parseProducerOptions(options: RafkaProducerOptions) {
  const parsed = Schema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.');
    const got = (options as unknown as Record<string, unknown>)[String(issue.path[0])];
    const message = issue.code === 'unrecognized_keys' ? `unknown option ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : `${issue.message} (got ${got === undefined ? 'nothing' : JSON.stringify(got)})`;
    throw new ConfigError(`rafka producer: ${message}`, { context: { field } });
  }
  const o = parsed.data;
  return {
    topic: o.topic,
    connection: { url: o.url, ...o.redis } as RedisConnectionOptions,
    partitions: o.partitions,
    idempotent: o.idempotent ?? false,
    dedupeTtlSeconds: o.dedupeTtlSeconds ?? PRODUCER_DEFAULTS.dedupeTtlSeconds,
    maxLen: o.maxLen,
    onWarning: options.onWarning ?? ((message: string) => void process.stderr.write(`adf: warning: ${message}\n`)),
  };
}
