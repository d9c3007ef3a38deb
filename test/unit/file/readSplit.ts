import { basename } from 'node:path';
import type { BatchLimits, RecordBatch } from '../../../lib/source-support/RecordBatch';
import type { BadRecord, SourceRecord } from '../../../lib/source-support/SourceRecord';
import {
  FileSourceReader,
  FileSplit,
  FileSplitSerializer,
  inferFileType,
  parseFileSourceOptions,
  type FileSourceOptions,
} from '../../../lib/sources/file';

/** Test-side helpers: a split for one file, and all of it read through a FileSourceReader. */

export type SourceOptions = Omit<FileSourceOptions, 'path'>;

export function splitFor(path: string, fileId = basename(path)): FileSplit {
  const type = inferFileType(fileId, undefined) ?? { format: 'csv' as const, compression: 'none' as const };
  return FileSplit.create({ splitId: fileId, path, fileId, ...type });
}

export interface ReadResult {
  readonly records: SourceRecord[];
  readonly badRecords: BadRecord[];
  readonly batches: RecordBatch<unknown, FileSplit>[];
}

/** Reads `split` to its end with one reader, `limits` per poll. */
export async function readSplit(split: FileSplit, options: SourceOptions = {}, limits?: Partial<BatchLimits>): Promise<ReadResult> {
  const config = parseFileSourceOptions({ path: '/', ...options });
  const reader = new FileSourceReader({ readerId: 0, sendSplitRequest() {} }, { formats: config.formats, limits: config.limits });
  reader.addSplits([split]);
  const batches: RecordBatch<unknown, FileSplit>[] = [];
  try {
    for (;;) {
      const { batch } = await reader.poll(limits);
      if (!batch) throw new Error('reader returned no batch while holding a split');
      batches.push(batch);
      if (batch.finished) break;
      if (batches.length > 100_000) throw new Error('split never finished');
    }
  } finally {
    await reader.close();
  }
  return {
    records: batches.flatMap((b) => b.records),
    badRecords: batches.flatMap((b) => b.badRecords),
    batches,
  };
}

/** The values of `records`, in order. */
export function values(result: { records: SourceRecord[] }): unknown[] {
  return result.records.map((r) => r.value);
}

/** A split through the serializer and JSON, as a checkpoint store would keep it. */
export function roundTrip(split: FileSplit): FileSplit {
  return FileSplitSerializer.deserialize(FileSplitSerializer.version, JSON.parse(JSON.stringify(FileSplitSerializer.serialize(split))));
}
