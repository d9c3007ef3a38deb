import { AdfError, RetryableError, type ErrorContext } from '../errors';

/** Error names AWS uses for throttling, across DynamoDB, SQS and S3. */
const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'RequestThrottled',
]);

/** Socket-level failures: the service (or emulator) was unreachable for a moment. */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Whether an AWS SDK error is worth retrying later: throttling, a 5xx, or a network failure.
 * (The SDK has already retried these up to maxAttempts by the time we see them.)
 */
export function isRetryableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  if (e.$retryable !== undefined) return true;
  if (e.name !== undefined && (THROTTLING_NAMES.has(e.name) || e.name === 'TimeoutError')) return true;
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return true;
  if (e.$fault === 'server') return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/** The AWS error's name (e.g. 'ConditionalCheckFailedException'), or undefined for non-SDK errors. */
export function awsErrorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape).name : undefined;
}

/**
 * Whether the error is one of `names`. Compares the last segment of the SDK's name too:
 * fauxqs answers SQS errors with query-style codes ('AWS.SimpleQueueService.QueueNameExists')
 * that the SDK cannot map to its classes, so `instanceof QueueNameExists` fails there.
 */
export function isAwsError(error: unknown, ...names: string[]): boolean {
  const name = awsErrorName(error);
  if (name === undefined) return false;
  const lastSegment = name.slice(Math.max(name.lastIndexOf('.'), name.lastIndexOf('#')) + 1);
  return names.includes(name) || names.includes(lastSegment);
}

/**
 * Wraps an AWS SDK error once, at the boundary: RetryableError when retrying may help,
 * AdfError otherwise; the SDK error stays as `cause`.
 */
export function wrapAwsError(error: unknown, action: string, context: ErrorContext = {}): AdfError {
  if (error instanceof AdfError) return error;
  const name = awsErrorName(error) ?? 'Error';
  const detail = error instanceof Error ? error.message : String(error);
  const message = `${action} failed: ${name}: ${detail}`;
  return isRetryableAwsError(error)
    ? new RetryableError(message, { cause: error, context })
    : new AdfError(message, { cause: error, context });
}
