export { AdfError, ConfigError, RetryableError, PoisonRecordError, SplitFailedError, FencedOffError, ErrorBudgetExceededError, isRetryable } from './AdfError';
export type { ErrorContext } from './AdfError';
