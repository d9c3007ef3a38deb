/**
 * One error base class; each subclass says what the caller should do next.
 *
 * @example
 * try { await run(flow) } catch (e) { if (e instanceof ConfigError) { console.error(e.message); process.exit(2) } throw e }
 */
export interface ErrorContext {
  splitId?: string;
  file?: string;
  line?: number;
  offset?: number;
  field?: string;
  [key: string]: unknown;
}

export class AdfError extends Error {
  override readonly name: string = 'AdfError';
  readonly context: ErrorContext;
  /** True when the same work may succeed if tried again later. */
  readonly retryable: boolean = false;

  constructor(message: string, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, { cause: options.cause });
    this.context = options.context ?? {};
  }
}

/** Bad configuration or usage: fix the input; retrying will not help (CLI exit 2). */
export class ConfigError extends AdfError {
  override readonly name = 'ConfigError';
}

/** A transient failure (network, throttling, a restarting server): retry the batch. */
export class RetryableError extends AdfError {
  override readonly name = 'RetryableError';
  override readonly retryable = true;
}

/** One record cannot be read or processed: dead-letter it and go on with the rest. */
export class PoisonRecordError extends AdfError {
  override readonly name = 'PoisonRecordError';
}

/** The split cannot be read any further (e.g. the object changed mid-read): fail the split. */
export class SplitFailedError extends AdfError {
  override readonly name: string = 'SplitFailedError';
}

/**
 * The split can never finish under the current settings (a gzip file too large to resume
 * within one reader invocation): FAILED at once with this message, no retries burned. Change
 * the settings (or the file), then redrive the split.
 */
export class SplitCannotFinishError extends SplitFailedError {
  override readonly name = 'SplitCannotFinishError';
}

/**
 * A split names something outside its source (another bucket or prefix, a path outside the
 * source root, a foreign stream): a tampered split row. Never read; FAILED at once, no retry.
 */
export class UntrustedSplitError extends AdfError {
  override readonly name = 'UntrustedSplitError';
}

/** This reader lost its lease: another reader owns the split now. Commit nothing, stop. */
export class FencedOffError extends AdfError {
  override readonly name = 'FencedOffError';
}

/**
 * Too many records failed the transform (a bug, not bad data): the run stops before the
 * failing batch is written or committed, so fixing the flow and running again reads it anew.
 */
export class ErrorBudgetExceededError extends AdfError {
  override readonly name = 'ErrorBudgetExceededError';
}

export function isRetryable(error: unknown): boolean {
  return error instanceof AdfError && error.retryable;
}
