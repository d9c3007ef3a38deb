import { z } from 'zod';
import { ConfigError } from '../errors';
import { appendOnce } from '../redis/idempotentAppend';
import { acquireRedisClient } from '../redis/redisClient';
import { isRedisUrl } from '../redis/redisUrl';
import type { RedisConnectionOptions } from '../redis/redisClient';
import { wrapRedisError } from '../redis/redisErrors';
import type { Sink, SinkBatch, SinkContext, SinkWriter } from './Sink';

export interface RedisStreamSinkOptions {
  /** The stream to append to. */
  readonly stream: string;
  /** Redis URL; default ADF_REDIS_URL / REDIS_URL. */
  readonly url?: string;
  readonly redis?: Omit<RedisConnectionOptions, 'url'>;
  /** Trim to about this many entries (`XADD … MAXLEN ~ n`); default: keep all. */
  readonly maxLen?: number;
  /** How long the sink remembers a record id (s); a batch retried later is appended again. Default 86 400. */
  readonly dedupeTtlSeconds?: number;
  /** Marker keys are `<prefix><record id>`; default `<stream>:dedupe:`. */
  readonly dedupePrefix?: string;
}

const DEFAULTS = { dedupeTtlSeconds: 86_400, maxLen: 0 } as const;

const int = (field: string, min: number, max: number) =>
  z.number({ error: `${field} must be a whole number between ${min} and ${max}` }).int(`${field} must be a whole number`).min(min, `${field} must be between ${min} and ${max}`).max(max, `${field} must be between ${min} and ${max}`);

const Schema = z.object({
  stream: z.string({ error: 'stream must be a non-empty string' }).min(1, 'stream must be a non-empty string'),
  url: z.string({ error: 'url must be a string' }).refine(isRedisUrl, 'url must look like redis://host:port or rediss://host:port').optional(),
  redis: z.object({ password: z.string().optional(), username: z.string().optional(), tls: z.boolean().optional(), db: int('redis.db', 0, 15).optional() }).strict().optional(),
  maxLen: int('maxLen', 1, Number.MAX_SAFE_INTEGER).optional(),
  dedupeTtlSeconds: int('dedupeTtlSeconds', 60, 365 * 86_400).optional(),
  dedupePrefix: z.string().min(1, 'dedupePrefix must be a non-empty string').optional(),
}).strict();

/**
 * Appends each record to a Redis stream as `id` (the record id) and `data` (JSON of the value),
 * idempotent by record id: a batch that is written again after a crash appends only what is
 * missing (one Lua script per chunk sets a marker `SET <prefix><id> 1 NX EX ttl` and XADDs only
 * when the marker is new, atomically). Exactly once as long as a retry comes within the TTL.
 *
 * Imported from `lib/sinks/redis` (or `lib/sources/rafka`), never from `lib/sinks`, so bundles
 * without Redis carry no ioredis.
 *
 * @example
 * defineFlow({ name: 'copy', source, sink: redisStreamSink({ url: 'redis://127.0.0.1:6380', stream: 'orders:out' }) });
 */
export class RedisStreamSink implements Sink {
  readonly type = 'redis-stream';
  readonly options: Required<Pick<RedisStreamSinkOptions, 'stream' | 'dedupeTtlSeconds' | 'dedupePrefix' | 'maxLen'>> & { connection: RedisConnectionOptions };

  constructor(options: RedisStreamSinkOptions) {
    const parsed = Schema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.map(String).join('.');
      const got = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k as string] : undefined), options);
      const message = issue.code === 'unrecognized_keys' ? `unknown option ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : `${issue.message} (got ${got === undefined ? 'nothing' : JSON.stringify(got)})`;
      throw new ConfigError(`redis-stream sink: ${message}`, { context: { field } });
    }
    const o = parsed.data;
    this.options = {
      stream: o.stream,
      maxLen: o.maxLen ?? DEFAULTS.maxLen,
      dedupeTtlSeconds: o.dedupeTtlSeconds ?? DEFAULTS.dedupeTtlSeconds,
      dedupePrefix: o.dedupePrefix ?? `${o.stream}:dedupe:`,
      connection: { url: o.url, ...o.redis },
    };
  }

  async open(_ctx: SinkContext): Promise<SinkWriter<unknown>> {
    const lease = acquireRedisClient(this.options.connection);
    const { stream, dedupePrefix, dedupeTtlSeconds, maxLen } = this.options;
    return {
      write: async (batch: SinkBatch<unknown>) => {
        const entries = batch.records.map((r) => ({ dedupeId: r.id, fields: ['id', r.id, 'data', JSON.stringify(r.value) ?? 'null'] }));
        try {
          await appendOnce(lease.client, stream, entries, { dedupePrefix, dedupeTtlSeconds, maxLen });
        } catch (e) {
          throw wrapRedisError(e, `XADD to ${stream}`, { splitId: batch.splitId });
        }
        return undefined;
      },
      close: async () => lease.release(),
    };
  }
}

export function redisStreamSink(options: RedisStreamSinkOptions): RedisStreamSink {
  return new RedisStreamSink(options);
}
