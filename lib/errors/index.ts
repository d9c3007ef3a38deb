export { AdfError, ConfigError, RetryableError, PoisonRecordError, SplitFailedError, SplitCannotFinishError, UntrustedSplitError, FencedOffError, ErrorBudgetExceededError, isRetryable } from './AdfError';
export type { ErrorContext } from './AdfError';
