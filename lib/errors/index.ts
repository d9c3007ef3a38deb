export { AdfError, ConfigError, RetryableError, PoisonRecordError, SplitFailedError, FencedOffError, isRetryable } from './AdfError';
export type { ErrorContext } from './AdfError';
