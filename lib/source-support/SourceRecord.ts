/**
 * One record as it leaves a reader. `id` is deterministic (split id + position), so a
 * batch that is read twice yields the same ids and sinks can drop the repeat.
 *
 * @example
 * const r: SourceRecord<{ sku: string }> = { id: 'orders.csv@1042', value: { sku: 'A1' } };
 */
export interface SourceRecord<T = unknown> {
  readonly id: string;
  readonly value: T;
}

/**
 * A record that could not be read, bound for the dead-letter place with where it was and why.
 *
 * @example
 * const bad: BadRecord = { splitId: 'a.csv', file: 'a.csv', line: 7, offset: 311, reason: 'expected 3 fields, got 2' };
 */
export interface BadRecord {
  readonly id: string;
  readonly splitId: string;
  readonly reason: string;
  readonly file?: string;
  readonly line?: number;
  readonly offset?: number;
  /** What could be recovered of the input (the fields or text of the record). */
  readonly raw?: unknown;
}
