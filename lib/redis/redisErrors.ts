import { AdfError, ConfigError, RetryableError, SplitFailedError } from '../errors';
import type { ErrorContext } from '../errors';
import { unreachableRedisEndpoints } from './redisClient';

/** Reply prefixes that retrying will not fix: bad credentials or permissions, a key that is not a stream. */
const CONFIG_REPLIES = ['NOAUTH', 'WRONGPASS', 'NOPERM'];
const DATA_REPLIES = ['WRONGTYPE'];

/**
 * Whether a Redis failure may go away by itself: lost connections, timeouts, a server that
 * is loading or restarting, a group someone deleted (it is created again on the next try).
 */
export function isRetryableRedisError(error: unknown): boolean {
  if (error instanceof AdfError) return error.retryable;
  const message = String((error as Error)?.message ?? error);
  return ![...CONFIG_REPLIES, ...DATA_REPLIES].some((prefix) => message.startsWith(prefix));
}

/**
 * Wraps an ioredis error once, at the boundary, into the type that says what happens next:
 * RetryableError (the batch is read again from the last commit), ConfigError, or
 * SplitFailedError (the key is not a stream).
 */
export function wrapRedisError(error: unknown, what: string, context: ErrorContext = {}): AdfError {
  if (error instanceof AdfError) return error;
  const message = String((error as Error)?.message ?? error);
  const text = `redis ${what} failed: ${explain(message)}`;
  if (CONFIG_REPLIES.some((p) => message.startsWith(p))) return new ConfigError(text, { cause: error, context });
  if (DATA_REPLIES.some((p) => message.startsWith(p))) return new SplitFailedError(text, { cause: error, context });
  return new RetryableError(text, { cause: error, context });
}

/** ioredis says only "Reached the max retries per request limit": name the server and the socket error instead. */
function explain(message: string): string {
  const unreachable = unreachableRedisEndpoints();
  if (unreachable.length === 0 || !/max retries per request|Connection is closed/i.test(message)) return message;
  return `cannot reach Redis at ${unreachable.join(', ')}`;
}
