import { lazySchema } from '../util/lazySchema';
import type { AnySource } from '../source-support/Source';
import type { SourceRecord } from '../source-support/SourceRecord';
import type { Sink } from '../sinks/Sink';
import { ConfigError } from '../errors';
import { parseErrorBudget } from '../runtime/ErrorBudget';
import type { ErrorBudgetOptions } from '../runtime/ErrorBudget';

/**
 * Turns one record value into zero, one or many. Return `null`/`undefined` to drop the record,
 * an array to fan out. A throw sends the record to the dead-letter place with the message.
 */
export type Transform<T = any, U = any> = (value: T, record: SourceRecord<T>) => U | U[] | null | undefined | Promise<U | U[] | null | undefined>;

/** A flow: where records come from, what happens to them, where they go. */
export interface Flow<T = any, U = any> {
  readonly name: string;
  readonly source: AnySource;
  readonly transform?: Transform<T, U>;
  readonly sink: Sink<U>;
  /** Directory for dead-lettered records (default: `<state dir>/dead-letter`). */
  readonly deadLetterDir?: string;
  /**
   * When transform failures stop the run instead of filling the dead letters (default: more
   * than half of at least 1,000 records); `false` never stops.
   */
  readonly errorBudget?: ErrorBudgetOptions | false;
}

const FlowSchema = lazySchema((z) => z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'name must be 1-64 letters, digits, ".", "_" or "-"'),
  source: z.custom<AnySource>((v) => typeof v === 'object' && v !== null && typeof (v as AnySource).createReader === 'function', 'source must be a Source (e.g. fileSource({...}))'),
  transform: z.function().optional(),
  sink: z.custom<Sink>((v) => typeof v === 'object' && v !== null && typeof (v as Sink).open === 'function', 'sink must be a Sink (e.g. jsonlSink({...}))'),
  deadLetterDir: z.string().min(1).optional(),
  errorBudget: z.unknown().optional(),
}));

/**
 * Declares a flow; validates it once and names the bad field.
 *
 * @example
 * export default defineFlow({
 *   name: 'orders',
 *   source: fileSource({ path: './data', format: 'csv' }),
 *   transform: (row) => ({ ...row, total: Number(row.qty) * Number(row.price) }),
 *   sink: jsonlSink({ dir: './out' }),
 * });
 */
export function defineFlow<T = any, U = any>(flow: Flow<T, U>): Flow<T, U> {
  const parsed = FlowSchema().safeParse(flow);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`flow ${issue.path.join('.') || ''}: ${issue.message}`.replace('flow : ', 'flow: '), { context: { field: issue.path.join('.') } });
  }
  parseErrorBudget(flow.errorBudget);
  return Object.freeze({ ...flow });
}

export function isFlow(value: unknown): value is Flow {
  return typeof value === 'object' && value !== null && 'source' in value && 'sink' in value && 'name' in value;
}
