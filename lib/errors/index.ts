export { AdfError, ConfigError, RetryableError, PoisonRecordError, SplitFailedError, UntrustedSplitError, FencedOffError, ErrorBudgetExceededError, isRetryable } from './AdfError';
export type { ErrorContext } from './AdfError';
