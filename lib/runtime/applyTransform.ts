import type { Transform } from '../flow/Flow';
import type { BadRecord, SourceRecord } from '../source-support/SourceRecord';

export interface TransformedBatch {
  readonly records: SourceRecord[];
  readonly badRecords: BadRecord[];
  /** Records the transform returned null or undefined for: filtered out on purpose, but counted, not silent. */
  readonly droppedRecords: number;
}

/**
 * Runs the flow's transform over a batch. Ids stay deterministic: one output keeps the
 * input id, a fan-out of n gets `<id>/0 … <id>/n-1`. A throw dead-letters that record only.
 */
export async function applyTransform(records: SourceRecord[], transform: Transform | undefined, splitId: string): Promise<TransformedBatch> {
  if (!transform) return { records, badRecords: [], droppedRecords: 0 };
  const out: SourceRecord[] = [];
  const bad: BadRecord[] = [];
  let dropped = 0;
  for (const record of records) {
    let result: unknown;
    try {
      result = transform(record.value, record);
      if (result instanceof Promise) result = await result;
    } catch (e) {
      bad.push({ id: record.id, splitId, reason: `transform failed: ${(e as Error)?.message ?? String(e)}`, raw: record.value });
      continue;
    }
    if (result === null || result === undefined) {
      dropped++;
      continue;
    }
    if (Array.isArray(result)) result.forEach((value, i) => out.push({ id: `${record.id}/${i}`, value }));
    else out.push(result === record.value ? record : { id: record.id, value: result });
  }
  return { records: out, badRecords: bad, droppedRecords: dropped };
}
