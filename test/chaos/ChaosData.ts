import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SeededRandom } from './SeededRandom';

/**
 * The chaos input: CSV and JSON Lines files whose every record carries a unique `rid`
 * (`r<n>`) of the harness's own, so the check does not rely on the project's record ids.
 * CSV rows have quoted fields with commas, quotes and newlines (byte-range splits must cut at
 * real record boundaries); JSONL files carry an unparsable line (`bad-<n>`) every `badEvery`
 * records, which must reach the dead-letter place exactly once.
 */
export interface ChaosInput {
  /** File name → content. */
  readonly files: ReadonlyMap<string, string>;
  readonly rids: readonly string[];
  readonly badRids: readonly string[];
  readonly bytes: number;
}

export function generateInput(records: number, fileCount: number, badEvery: number, rng: SeededRandom): ChaosInput {
  const rids: string[] = [];
  const badRids: string[] = [];
  const files = new Map<string, string>();
  let next = 0;
  let bytes = 0;
  for (let f = 0; f < fileCount; f++) {
    const count = Math.floor(records / fileCount) + (f < records % fileCount ? 1 : 0);
    const csv = f % 2 === 0;
    const lines: string[] = csv ? ['rid,name,amount,note'] : [];
    for (let i = 0; i < count; i++) {
      const rid = `r${next++}`;
      rids.push(rid);
      const amount = rng.int(0, 99_999);
      if (csv) {
        const note = rng.chance(0.1) ? `"multi\nline, ""quoted"" ${i}"` : `plain ${i}`;
        lines.push(`${rid},name ${i},${amount},${note}`);
      } else {
        lines.push(JSON.stringify({ rid, n: i, amount, text: rng.chance(0.1) ? `unicode ✓ ${i}` : `text ${i}` }));
        if (badEvery > 0 && (i + 1) % badEvery === 0) {
          const bad = `bad-${badRids.length}`;
          badRids.push(bad);
          lines.push(`{"rid":"${bad}", this line is not JSON`);
        }
      }
    }
    const content = `${lines.join('\n')}\n`;
    bytes += Buffer.byteLength(content);
    files.set(csv ? `part-${f}.csv` : `part-${f}.jsonl`, content);
  }
  return { files, rids, badRids, bytes };
}

export function writeInputDir(input: ChaosInput, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of input.files) writeFileSync(join(dir, name), content);
}

export async function putInputObjects(input: ChaosInput, s3: S3Client, bucket: string, prefix: string): Promise<void> {
  for (const [name, content] of input.files) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${name}`, Body: content }));
}
