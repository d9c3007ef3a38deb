import { lazySchema } from '../util/lazySchema';
import { ConfigError, ErrorBudgetExceededError } from '../errors';
import type { BadRecord } from '../source-support/SourceRecord';

/**
 * How many transform failures a run tolerates before it stops. Bad *input* (a ragged row, an
 * invalid JSON line) is dead-lettered and the run goes on; a transform that fails on most
 * records is a bug in the flow, and dead-lettering millions of records (then marking their
 * splits FINISHED) would leave the user to clean up after it.
 *
 * @example
 * defineFlow({ name: 'orders', source, transform, sink, errorBudget: { maxFailureShare: 0.2, afterRecords: 500 } });
 */
export interface ErrorBudgetOptions {
  /** Stop once more than this share of the records seen so far failed the transform (0–1). */
  readonly maxFailureShare?: number;
  /** ...judged only once a reader has seen at least this many records. */
  readonly afterRecords?: number;
}

/** Every default of the error budget, in one place. */
export const ERROR_BUDGET_DEFAULTS = Object.freeze({ maxFailureShare: 0.5, afterRecords: 1000 });

const Schema = lazySchema((z) => z.union([
  z.literal(false),
  z.object({
    maxFailureShare: z.number({ error: 'errorBudget.maxFailureShare must be a number between 0 and 1' }).min(0, 'errorBudget.maxFailureShare must be between 0 and 1').max(1, 'errorBudget.maxFailureShare must be between 0 and 1').optional(),
    afterRecords: z.number({ error: 'errorBudget.afterRecords must be a whole number ≥ 1' }).int('errorBudget.afterRecords must be a whole number ≥ 1').min(1, 'errorBudget.afterRecords must be a whole number ≥ 1').optional(),
  }).strict(),
]));

/** Validates a flow's `errorBudget` (false turns the budget off). */
export function parseErrorBudget(value: unknown): Required<ErrorBudgetOptions> | false {
  if (value === undefined) return { ...ERROR_BUDGET_DEFAULTS };
  const parsed = Schema().safeParse(value);
  if (!parsed.success) throw new ConfigError(`flow ${parsed.error.issues[0]!.message} (got ${JSON.stringify(value)})`, { context: { field: 'errorBudget' } });
  return parsed.data === false ? false : { ...ERROR_BUDGET_DEFAULTS, ...parsed.data };
}

/**
 * One reader's running count of transform failures. `check` is called after a batch is
 * transformed and before anything of it is written, so the batch that breaks the budget is
 * neither in the sink nor in the dead letters, and its split is not committed past it.
 */
export class ErrorBudget {
  private seen = 0;
  private failed = 0;
  private readonly limits: Required<ErrorBudgetOptions> | false;

  constructor(options: ErrorBudgetOptions | false | undefined) {
    this.limits = parseErrorBudget(options);
  }

  check(records: number, transformFailures: readonly BadRecord[]): void {
    if (this.limits === false) return;
    this.seen += records;
    this.failed += transformFailures.length;
    const { maxFailureShare, afterRecords } = this.limits;
    if (this.seen < afterRecords || this.failed <= this.seen * maxFailureShare) return;
    throw new ErrorBudgetExceededError(
      `error budget exceeded: ${this.failed} of ${this.seen} records failed the transform (more than ${Math.round(maxFailureShare * 100)}%), ` +
        `first: ${transformFailures[0]?.reason ?? 'see the dead letters'}. The failing batch was not written or committed: fix the flow and run again ` +
        `(earlier transform failures are in the dead letters: adf replay-dead-letters)`,
      { context: { splitId: transformFailures[0]?.splitId } },
    );
  }
}
