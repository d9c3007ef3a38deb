import type { SourceRecord } from '../source-support/SourceRecord';
import type { Sink, SinkWriter } from './Sink';

export type SinkFunction<T> = (records: SourceRecord<T>[], info: { splitId: string; readerId: number }) => Promise<void> | void;

/**
 * Hands each batch to a user function. A batch may be handed over again after a crash,
 * so the function should be idempotent by `record.id` (an upsert keyed by id is).
 *
 * @example
 * functionSink(async (records) => { for (const r of records) await db.upsert(r.id, r.value) })
 */
export class FunctionSink<T> implements Sink<T> {
  readonly type = 'function';
  constructor(private readonly fn: SinkFunction<T>) {}

  async open(ctx: { readerId: number }): Promise<SinkWriter<T>> {
    return {
      write: async (batch) => {
        if (batch.records.length > 0) await this.fn(batch.records, { splitId: batch.splitId, readerId: ctx.readerId });
        return undefined;
      },
      close: async () => undefined,
    };
  }
}

export function functionSink<T>(fn: SinkFunction<T>): FunctionSink<T> {
  return new FunctionSink(fn);
}
