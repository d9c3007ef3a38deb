import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AwsClientOptions } from '../../../lib/aws/config';
import type { RecordBatch } from '../../../lib/source-support/RecordBatch';
import { FileSourceReader, FileSplitSerializer, type FileSplit, type FileStore, type FormatOptions } from '../../../lib/sources/file';

/**
 * A large CSV with quoted fields that hold line breaks (LF and CRLF) and doubled quotes, written
 * streaming (never held in memory): about `targetBytes` bytes. Returns the size and row count.
 */
export async function writeBigCsv(path: string, targetBytes: number): Promise<{ bytes: number; rows: number }> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let bytes = 0;
  let rows = 0;
  const header = 'id,name,amount,note,description\n';
  out.write(header);
  bytes += header.length;
  while (bytes < targetBytes) {
    let block = '';
    for (let i = 0; i < 2000; i++, rows++) {
      const note = rows % 3 === 0 ? `"line one\nline ""two"" ${rows}"` : rows % 3 === 1 ? `"crlf\r\ninside, ${rows}"` : `plain ${rows}`;
      const description = rows % 5 === 0 ? `"a longer text, with commas, ""quotes"" and a\nline break"` : `customer ${rows % 9973} ordered item ${(rows * 13) % 4099} at store ${rows % 211}`;
      block += `${rows},name ${rows % 977},${(rows * 7) % 10007},${note},${description}\n`;
    }
    bytes += Buffer.byteLength(block);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes, rows };
}

export interface Digest {
  readonly records: number;
  readonly badRecords: number;
  readonly sha256: string;
  readonly firstId?: string;
  readonly lastId?: string;
}

/** Reads the splits in order, in large batches, and digests every record id and value, in order. */
export async function digestSplits(splits: readonly FileSplit[], formats: FormatOptions, store?: FileStore): Promise<Digest> {
  const hash = createHash('sha256');
  let records = 0;
  let badRecords = 0;
  let firstId: string | undefined;
  let lastId: string | undefined;
  for (const split of splits) {
    const reader = new FileSourceReader({ readerId: 0, sendSplitRequest() {} }, { formats, store });
    reader.addSplits([split]);
    try {
      for (;;) {
        const { batch } = (await reader.poll({ maxRecords: 50_000, maxBytes: 64 << 20 })) as { batch?: RecordBatch<unknown, FileSplit> };
        if (!batch) throw new Error('no batch');
        let text = '';
        for (const r of batch.records) text += `${r.id}\t${JSON.stringify(r.value)}\n`;
        hash.update(text);
        records += batch.records.length;
        badRecords += batch.badRecords.length;
        if (batch.records.length > 0) {
          firstId ??= batch.records[0]!.id;
          lastId = batch.records[batch.records.length - 1]!.id;
        }
        if (batch.finished) break;
      }
    } finally {
      await reader.close();
    }
  }
  return { records, badRecords, sha256: hash.digest('hex'), firstId, lastId };
}

/**
 * digestSplits on a worker thread: outside jest's module sandbox (where csv-parse runs about
 * three times slower), and in parallel with other passes.
 */
export function digestInWorker(splits: readonly FileSplit[], formats: FormatOptions, root: string, aws?: AwsClientOptions): Promise<Digest> {
  const workerData = { splits: splits.map((s) => ({ version: FileSplitSerializer.version, data: FileSplitSerializer.serialize(s) })), formats, root, aws };
  const worker = new Worker(join(__dirname, 'digestWorker.js'), { workerData });
  return new Promise<Digest>((resolve, reject) => {
    worker.once('message', (m: { digest?: Digest; error?: string }) => (m.digest ? resolve(m.digest) : reject(new Error(m.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`digest worker exited with code ${code}`)));
  }).finally(() => void worker.terminate());
}
