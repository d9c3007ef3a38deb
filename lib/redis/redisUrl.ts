import { ConfigError } from '../errors';

/** Redis URL helpers, apart from the client so that validating options does not load ioredis. */

/** The URL to use: the given one, else `ADF_REDIS_URL`, `REDIS_URL`, or localhost. */
export function resolveRedisUrl(url?: string): string {
  const resolved = url || process.env.ADF_REDIS_URL || process.env.REDIS_URL || DEFAULT_REDIS_URL;
  let parsed: URL;
  try {
    parsed = new URL(resolved);
  } catch {
    throw new ConfigError(`redis url must look like redis://host:port or rediss://host:port (got ${JSON.stringify(redact(resolved))})`, { context: { field: 'url' } });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(`redis url must start with redis:// or rediss:// (got ${JSON.stringify(redact(resolved))})`, { context: { field: 'url' } });
  }
  return resolved;
}

/** True for a parsable `redis://` or `rediss://` URL. */
export function isRedisUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'redis:' || protocol === 'rediss:';
  } catch {
    return false;
  }
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
