export { acquireRedisClient, closeRedisClients, connectionEpoch, REDIS_CLIENT_DEFAULTS } from './redisClient';
export { resolveRedisUrl, isRedisUrl, redact, DEFAULT_REDIS_URL } from './redisUrl';
export type { RedisConnectionOptions, RedisLease } from './redisClient';
export { isRetryableRedisError, wrapRedisError } from './redisErrors';
export { appendOnce, appendOnceWithIds } from './idempotentAppend';
export type { AppendEntry, AppendOptions } from './idempotentAppend';
export { appendAboveMark } from './markedAppend';
export type { MarkedEntry, MarkedAppendOptions } from './markedAppend';
export { LuaScript } from './luaScript';
