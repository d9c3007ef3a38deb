import { appendFileSync, utimesSync, writeFileSync } from 'node:fs';
import { SplitFailedError } from '../../../lib/errors/AdfError';
import { defineFlow } from '../../../lib/flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { functionSink } from '../../../lib/sinks';
import type { SourceRecord } from '../../../lib/source-support/SourceRecord';
import { FileSource, type FileSplit } from '../../../lib/sources/file';
import { LocalFileStore } from '../../../lib/sources/file/store/LocalFileStore';
import { lines, makeFixtureDir, type FixtureDir } from '../../helpers/files';
import { tempDir } from '../../helpers/tmp';

/**
 * Local reads are pinned to the version discovery listed (inode, size, mtime), as S3 reads
 * are pinned to the ETag: a file rewritten while it is read fails its split instead of being
 * marked FINISHED early at the new end of file, and a file changed after it was read is read
 * again as a new version, said in the summary, instead of being "nothing new" forever.
 */
const csv = (from: number, count: number) => 'id,v\n' + lines(count, (i) => `${from + i},row ${from + i}`);

async function planned(source: FileSource): Promise<FileSplit[]> {
  const splits: FileSplit[] = [];
  for await (const page of source.createDiscoverer().discover(undefined)) splits.push(...page.splits);
  return splits;
}

function bumpMtime(path: string): void {
  const later = new Date(Date.now() + 5_000);
  utimesSync(path, later, later);
}

describe('changed local files', () => {
  let fx: FixtureDir;
  // Large enough (~5 MB) that the reader's read-ahead cannot have buffered all of it when it changes.
  const ROWS = 300_000;
  beforeEach(() => (fx = makeFixtureDir({ 'data.csv': csv(0, ROWS) })));
  afterEach(() => fx.cleanup());

  it('fails a stream with "changed while being read" when the file is rewritten in place mid-read', async () => {
    const store = new LocalFileStore({ root: fx.root, recursive: true, pageSize: 10 });
    const ref = (await store.stat(fx.path('data.csv')))!;
    const stream = store.openRange(ref, 0);
    const chunks: Buffer[] = [];
    const error = await new Promise<Error | undefined>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        // Rewritten in place (same inode), shorter, as an editor or `>` would.
        if (chunks.length === 1) writeFileSync(fx.path('data.csv'), csv(0, 100));
      });
      stream.on('error', resolve);
      stream.on('end', () => resolve(undefined));
    });
    expect(error).toBeInstanceOf(SplitFailedError);
    expect(error!.message).toContain(`file changed while being read: ${fx.path('data.csv')}`);
  });

  it('fails the split (never FINISHED early) when the file changes between two batches', async () => {
    const source = new FileSource({ path: fx.root, maxRecordsPerBatch: 1000 }, () => undefined);
    const [split] = await planned(source);
    const reader = source.createReader({ readerId: 0, sendSplitRequest() {} });
    reader.addSplits([split!]);
    const first = await reader.poll();
    expect(first.batch?.records).toHaveLength(1000);
    writeFileSync(fx.path('data.csv'), csv(0, 1_500)); // truncated and rewritten
    bumpMtime(fx.path('data.csv'));

    let records = first.batch!.records.length;
    const readOn = async () => {
      for (;;) {
        const { batch } = await reader.poll();
        records += batch!.records.length;
        if (batch!.finished) return;
      }
    };

    const error = await readOn().then(() => undefined, (e: Error) => e);

    expect(error).toBeInstanceOf(SplitFailedError);
    expect(error!.message).toMatch(/changed while being read: .*data\.csv/);
    expect(records).toBeLessThan(ROWS);
  });

  it('reads an appended file only up to the size it was listed with, then fails: a split never mixes versions', async () => {
    const source = new FileSource({ path: fx.root }, () => undefined);
    const [split] = await planned(source);
    appendFileSync(fx.path('data.csv'), '99999,late\n');
    const reader = source.createReader({ readerId: 0, sendSplitRequest() {} });
    reader.addSplits([split!]);
    await expect(reader.poll()).rejects.toThrow(/changed while being read/);
  });

  it('skips files younger than minFileAge, and reports them', async () => {
    const skipped: string[] = [];
    writeFileSync(fx.path('old.csv'), csv(0, 3));
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(fx.path('old.csv'), old, old);
    const source = new FileSource({ path: fx.root, minFileAge: '10m' }, (f) => skipped.push(`${f.fileId}: ${f.reason}`));

    const ids = (await planned(source)).map((s) => s.splitId);

    expect(ids).toEqual(['old.csv']);
    expect(skipped).toEqual([expect.stringMatching(/^data\.csv: modified .* less than minFileAge 600\.0 s \(still being written\?\)/)]);
  });

  describe('across runs (embedded)', () => {
    let state: ReturnType<typeof tempDir>;
    beforeEach(() => (state = tempDir()));
    afterEach(() => state.cleanup());

    const flowOf = (seen: SourceRecord[], onBatch?: () => void) =>
      defineFlow({
        name: 'changes',
        source: new FileSource({ path: fx.root, maxRecordsPerBatch: 1000, splitSize: '1G' }, () => undefined),
        sink: functionSink((records) => {
          seen.push(...records);
          onBatch?.();
        }),
      });
    const run = (seen: SourceRecord[], onBatch?: () => void) =>
      runEmbedded(flowOf(seen, onBatch), { inProcess: true, stateDir: state.dir, progress: false, parallelism: 1, log: () => undefined });

    it('reads a file changed after it was FINISHED again as a new version, says so, and only once', async () => {
      const rows = 2_000;
      fx.write('data.csv', csv(0, rows));
      const first: SourceRecord[] = [];
      expect(await run(first)).toMatchObject({ status: 'completed', records: rows });
      appendFileSync(fx.path('data.csv'), lines(5, (i) => `${rows + i},late`));
      bumpMtime(fx.path('data.csv'));

      const second: SourceRecord[] = [];
      const summary = await run(second);

      expect(summary).toMatchObject({ status: 'completed', records: rows + 5, splits: { total: 2, finished: 2 } });
      expect(summary.warnings).toEqual([expect.stringMatching(/^file changed since an earlier run read it: .*data\.csv \(size \d+ → \d+ bytes\); its new version is read in full/)]);
      expect(new Set(second.map((r) => r.id.split('@')[0]))).toEqual(new Set([expect.stringMatching(/^data\.csv~[0-9a-f]{10}$/)]));
      const third = await run([]);
      expect(third).toMatchObject({ records: 0, splits: { total: 2, finished: 2 } });
      expect(third.warnings).toBeUndefined();
    });

    it('fails the split of a file rewritten mid-run, and the next run reads the new version in full', async () => {
      const first: SourceRecord[] = [];
      let rewritten = false;
      const summary = await run(first, () => {
        if (rewritten) return;
        rewritten = true;
        writeFileSync(fx.path('data.csv'), csv(50_000, 3_000));
        bumpMtime(fx.path('data.csv'));
      });
      expect(summary.splits).toMatchObject({ failed: 1, finished: 0 });
      expect(summary.failures?.[0]?.error).toMatch(/changed while being read: .*data\.csv/);
      expect(first.length).toBeLessThan(ROWS);

      const second: SourceRecord[] = [];
      const again = await run(second);
      expect(again.records).toBe(3_000);
      expect(second.map((r) => (r.value as { id: string }).id)).toEqual(Array.from({ length: 3_000 }, (_, i) => String(50_000 + i)));
      expect(again.warnings?.[0]).toMatch(/file changed since it was planned \(split data\.csv is (FAILED|PENDING|ASSIGNED)\)/);
    });
  });
});
