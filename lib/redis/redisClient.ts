import Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { Socket } from 'node:net';
import { ConfigError } from '../errors';
import { resolveRedisUrl } from './redisUrl';

/**
 * How to reach Redis. The URL may carry a password and `rediss://` for TLS; explicit fields
 * override it. Without a URL, `ADF_REDIS_URL`, then `REDIS_URL`, then `redis://127.0.0.1:6379`.
 */
export interface RedisConnectionOptions {
  readonly url?: string;
  readonly password?: string;
  readonly username?: string;
  /** Force TLS (a `rediss://` URL turns it on by itself). */
  readonly tls?: boolean;
  readonly db?: number;
}

/** A client held by one user; `release()` once, when done with it. */
export interface RedisLease {
  readonly client: Redis;
  release(): void;
}

/** Defaults, in one place. Commands wait for a reconnect, but only so long (≈3 s), then fail. */
export const REDIS_CLIENT_DEFAULTS = {
  /** Reconnect attempts a queued command waits through before it fails (then: RetryableError). */
  maxRetriesPerRequest: 5,
  /** Backoff between reconnect attempts: 100 ms doubling, at most this. */
  maxReconnectDelayMs: 2_000,
  connectTimeoutMs: 5_000,
  /** Non-blocking commands that get no answer for this long fail (a hung server, not a slow one). */
  commandTimeoutMs: 15_000,
} as const;

interface CachedClient {
  readonly client: Redis;
  refs: number;
  /** Bumped on every lost connection; see `connectionEpoch`. */
  epoch: number;
}

const clients = new Map<string, CachedClient>();
/** Endpoints (host:port) whose last connection attempt failed, with the socket error. */
const unreachable = new Map<string, NodeJS.ErrnoException>();

/**
 * The Redis endpoints this process cannot reach right now and why, e.g.
 * `127.0.0.1:6390 (ECONNREFUSED)`; empty when every client is connected.
 */
export function unreachableRedisEndpoints(): string[] {
  return [...unreachable].map(([endpoint, e]) => `${endpoint} (${e.code})`);
}
const byClient = new WeakMap<Redis, CachedClient>();

/**
 * One ioredis client per (connection, lane) per process or Lambda container, reused by every
 * reader, discoverer and sink that asks for it. `lane` separates connections that must not
 * share a socket: a blocking XREADGROUP holds its connection, so each reader blocks on its own
 * lane while all non-blocking commands share the default one.
 *
 * A client nobody holds stays open for the next user (a warm Lambda reuses it) but no longer
 * keeps the process alive, and is not reconnected if its connection drops.
 *
 * @example
 * const lease = acquireRedisClient({ url: 'redis://127.0.0.1:6380' });
 * try { await lease.client.ping() } finally { lease.release() }
 */
export function acquireRedisClient(options: RedisConnectionOptions = {}, lane = 'default'): RedisLease {
  const url = resolveRedisUrl(options.url);
  const key = JSON.stringify([url, options.password ?? null, options.username ?? null, options.tls ?? null, options.db ?? null, lane]);
  let cached = clients.get(key);
  if (!cached) {
    cached = createClient(url, options, lane);
    clients.set(key, cached);
  }
  const entry = cached;
  entry.refs++;
  holdProcess(entry);
  if (entry.client.status === 'end') entry.client.connect().catch(() => undefined);
  let released = false;
  return {
    client: entry.client,
    release: () => {
      if (released) return;
      released = true;
      entry.refs = Math.max(0, entry.refs - 1);
      if (entry.refs === 0) holdProcess(entry);
    },
  };
}

/**
 * Changes whenever the client lost its connection. ioredis resends commands that were in
 * flight when a connection dropped; for `XREADGROUP >` the first execution may already have
 * delivered entries whose reply was lost. A caller that sees the epoch change across its
 * commands must not trust their results (the rafka reader then fails the poll, and the next
 * holder of the split takes over every pending entry).
 */
export function connectionEpoch(client: Redis): number {
  return byClient.get(client)?.epoch ?? 0;
}

/** Closes every cached client (tests, process shutdown). */
export async function closeRedisClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(all.map(async ({ client }) => {
    try {
      if (client.status === 'ready') await client.quit();
      else client.disconnect();
    } catch {
      client.disconnect();
    }
  }));
}

function createClient(url: string, options: RedisConnectionOptions, lane: string): CachedClient {
  const parsed = new URL(url);
  const entry = { refs: 0, epoch: 0 } as CachedClient;
  const redisOptions: RedisOptions = {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    username: options.username ?? (parsed.username ? decodeURIComponent(parsed.username) : undefined),
    password: options.password ?? (parsed.password ? decodeURIComponent(parsed.password) : undefined),
    db: options.db ?? (parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : undefined),
    ...(options.tls || parsed.protocol === 'rediss:' ? { tls: { servername: parsed.hostname } } : {}),
    connectionName: `adf-${lane}`,
    // RESP2: the reply shapes every stream command documents (ioredis 6 defaults to RESP3).
    protocol: 2,
    enableOfflineQueue: true,
    maxRetriesPerRequest: REDIS_CLIENT_DEFAULTS.maxRetriesPerRequest,
    connectTimeout: REDIS_CLIENT_DEFAULTS.connectTimeoutMs,
    // Blocking reads block for at most a second (see RafkaSourceReader); the timeout covers that too.
    commandTimeout: REDIS_CLIENT_DEFAULTS.commandTimeoutMs,
    // Nobody holds the client: let the connection go rather than keep a process alive retrying.
    retryStrategy: (times) => (entry.refs === 0 ? null : Math.min(100 * 2 ** (times - 1), REDIS_CLIENT_DEFAULTS.maxReconnectDelayMs)),
  };
  if (Number.isNaN(redisOptions.db)) throw new ConfigError(`redis url database must be a number (got ${JSON.stringify(parsed.pathname.slice(1))})`, { context: { field: 'url' } });
  const client = new Redis({ ...redisOptions, lazyConnect: false });
  Object.assign(entry, { client });
  byClient.set(client, entry);
  client.on('close', () => entry.epoch++);
  client.on('connect', () => holdProcess(entry));
  // ioredis reports every failed reconnect as an 'error' event; the commands that suffer get
  // only "max retries per request", so the cause is kept for wrapRedisError to name.
  const endpoint = `${redisOptions.host}:${redisOptions.port}`;
  client.on('error', (e: NodeJS.ErrnoException) => {
    if (e?.code) unreachable.set(endpoint, e);
  });
  client.on('ready', () => unreachable.delete(endpoint));
  return entry;
}

/** A held client keeps the process alive; an idle one does not. */
function holdProcess(entry: CachedClient): void {
  const stream = (entry.client as unknown as { stream?: Socket }).stream;
  if (!stream || typeof stream.ref !== 'function') return;
  if (entry.refs > 0) stream.ref();
  else stream.unref();
}
