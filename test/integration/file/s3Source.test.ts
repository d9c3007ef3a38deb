import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ensureBucket } from '../../../lib/aws/resources';
import { defineFlow } from '../../../lib/flow/Flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { jsonlSink } from '../../../lib/sinks/JsonlFileSink';
import { FileSource, type FileDiscoveryPage, type FileSplit, type FileSourceOptions, type SkippedFile } from '../../../lib/sources/file';
import { readJsonlDir } from '../../helpers/adfCli';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';
import { putObject } from './s3Objects';

/**
 * The file source on S3 (fauxqs, or LocalStack with ADF_TEST_AWS=localstack): discovery of a
 * prefix page by page, and a prefix of 1,000 small objects (CSV, JSON Lines, gzip) ingested
 * exactly once by the embedded runtime and by the serverless runtime.
 */
const OBJECTS = 1_000;
const ROWS = 5;

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/** Object i of the mixed prefix: its key and body; every record's value carries id `${i}-${row}`. */
function mixedObject(i: number): { key: string; body: string | Buffer } {
  const name = `obj-${String(i).padStart(4, '0')}`;
  const csv = 'id,v\n' + Array.from({ length: ROWS }, (_, r) => `${i}-${r},${r}`).join('\n') + '\n';
  const jsonl = Array.from({ length: ROWS }, (_, r) => JSON.stringify({ id: `${i}-${r}`, v: r })).join('\n') + '\n';
  switch (i % 4) {
    case 0:
      return { key: `${name}.csv`, body: csv };
    case 1:
      return { key: `${name}.jsonl`, body: jsonl };
    case 2:
      return { key: `${name}.csv.gz`, body: gzipSync(csv) };
    default:
      return { key: `nested/${name}.ndjson.gz`, body: gzipSync(jsonl) };
  }
}

const expectedIds = () => new Set(Array.from({ length: OBJECTS }, (_, i) => Array.from({ length: ROWS }, (_, r) => `${i}-${r}`)).flat());
const valueIds = (lines: { value: unknown }[]) => lines.map((l) => String((l.value as { id: string }).id));

describe('file source on S3', () => {
  const aws = useAwsTestEnv();
  let tmp: ReturnType<typeof tempDir>;
  let bucket: string;
  const skipped: SkippedFile[] = [];
  const source = (options: Omit<FileSourceOptions, 's3Client'>) => new FileSource({ ...options, s3Client: aws().clients.s3 }, (f) => skipped.push(f));

  beforeAll(async () => {
    tmp = tempDir();
    bucket = aws().names.bucket;
    await ensureBucket(aws().clients.s3, bucket);
    const s3 = aws().clients.s3;
    await inParallel(Array.from({ length: OBJECTS }, (_, i) => i), 16, (i) => {
      const { key, body } = mixedObject(i);
      return putObject(s3, bucket, `mixed/${key}`, body);
    });
    // Discovery fixtures: filters, hidden keys, a folder marker, an empty object, another prefix.
    for (const [key, body] of [
      ['disc/a.csv', 'id\n1\n'],
      ['disc/b.jsonl', '{"id":2}\n'],
      ['disc/c.txt', 'not data'],
      ['disc/d/e.csv', 'id\n3\n'],
      ['disc/d/', ''],
      ['disc/.hidden.csv', 'id\n4\n'],
      ['disc/.git/x.csv', 'id\n5\n'],
      ['disc/empty.csv', ''],
      ['disc-other/z.csv', 'id\n6\n'],
    ] as const) {
      await putObject(s3, bucket, key, body);
    }
  }, 120_000);
  afterAll(() => tmp.cleanup());

  async function discover(options: Omit<FileSourceOptions, 's3Client'>, cursor?: string): Promise<FileDiscoveryPage[]> {
    const pages: FileDiscoveryPage[] = [];
    for await (const page of source(options).createDiscoverer().discover(cursor)) pages.push(page);
    return pages;
  }
  const ids = (pages: FileDiscoveryPage[]) => pages.flatMap((p) => p.splits.map((s) => s.splitId));

  describe('discovery', () => {
    it('lists keys under the prefix as fileIds, skipping hidden keys and folder markers; reports empty and unknown objects', async () => {
      skipped.length = 0;

      const pages = await discover({ path: `s3://${bucket}/disc` });

      expect(ids(pages)).toEqual(['a.csv', 'b.jsonl', 'd/e.csv']);
      const splits = pages.flatMap((p) => p.splits);
      expect(splits[0]).toMatchObject({ path: `s3://${bucket}/disc/a.csv`, fileId: 'a.csv', size: 5, etag: expect.stringMatching(/^".+"$/) });
      expect(pages.flatMap((p) => p.skipped).map((s) => [s.fileId, s.reason])).toEqual([
        ['c.txt', expect.stringContaining('unknown file extension')],
        ['empty.csv', 'empty file (0 bytes)'],
      ]);
      expect(skipped.map((s) => s.fileId)).toEqual(['c.txt', 'empty.csv']);
    });

    it('applies include/exclude to keys, and stays at the top level when not recursive', async () => {
      expect(ids(await discover({ path: `s3://${bucket}/disc/`, include: ['*.csv'] }))).toEqual(['a.csv', 'd/e.csv']);
      expect(ids(await discover({ path: `s3://${bucket}/disc/`, exclude: ['d/**'] }))).toEqual(['a.csv', 'b.jsonl']);
      expect(ids(await discover({ path: `s3://${bucket}/disc/`, recursive: false }))).toEqual(['a.csv', 'b.jsonl']);
    });

    it('pages with the last fileId as cursor and resumes after it (StartAfter)', async () => {
      const all = ids(await discover({ path: `s3://${bucket}/mixed/` }));

      const pages = await discover({ path: `s3://${bucket}/mixed/`, discoveryPageSize: 300 });
      const resumed = await discover({ path: `s3://${bucket}/mixed/`, discoveryPageSize: 300 }, pages[1]!.cursor);

      expect(all).toHaveLength(OBJECTS);
      expect(pages.map((p) => p.splits.length)).toEqual([300, 300, 300, 100]);
      expect(ids(pages)).toEqual(all);
      expect(ids(resumed)).toEqual(all.slice(600));
    });

    it('reads a path that names one object as that object', async () => {
      expect(ids(await discover({ path: `s3://${bucket}/disc/d/e.csv` }))).toEqual(['e.csv']);
    });

    it('fails a missing bucket with a ConfigError naming it', async () => {
      const enumerator = source({ path: 's3://adf-no-such-bucket-here/x/' }).createEnumerator({
        assignSplit() {},
        signalNoMoreSplits() {},
        registerSplits: async (s) => s,
        currentParallelism: () => 1,
        registeredReaders: () => [0],
        reportError() {},
      });

      await expect(enumerator.start()).rejects.toThrow('bucket does not exist: s3://adf-no-such-bucket-here');
    });
  });

  it('reads a gzip object named .csv by its magic bytes, never cut into ranges, also when resumed mid-object (issue 9 item 8)', async () => {
    const csv = 'id,v\n' + Array.from({ length: 400 }, (_, r) => `${r},${'x'.repeat(r % 13)}`).join('\n') + '\n';
    await putObject(aws().clients.s3, bucket, 'sniff/packed.csv', gzipSync(csv));
    const files = source({ path: `s3://${bucket}/sniff/`, splitSize: 100 });
    const splits: FileSplit[] = [];
    for await (const page of files.createDiscoverer().discover(undefined)) splits.push(...page.splits);
    const read = async (split: FileSplit, maxRecords: number) => {
      const reader = files.createReader({ readerId: 0, sendSplitRequest() {} });
      reader.addSplits([split]);
      try {
        return (await reader.poll({ maxRecords })).batch!;
      } finally {
        await reader.close();
      }
    };

    const first = await read(splits[0]!, 150);
    const rest = await read(first.split, 1000);

    expect(splits.map((s) => s.splitId)).toEqual(['packed.csv']);
    expect([...first.records, ...rest.records].map((r) => (r.value as { id: string }).id)).toEqual(Array.from({ length: 400 }, (_, r) => String(r)));
    expect([...first.badRecords, ...rest.badRecords]).toEqual([]);
    expect(rest.finished).toBe(true);
  });

  it(`ingests ${OBJECTS} objects exactly once with the embedded runtime (parallelism 2)`, async () => {
    const out = join(tmp.dir, 'embedded-out');
    const flow = defineFlow({ name: 's3-embedded', source: source({ path: `s3://${bucket}/mixed/`, discoveryPageSize: 250 }), sink: jsonlSink({ dir: out }) });

    const summary = await runEmbedded(flow, { inProcess: true, parallelism: 2, stateDir: join(tmp.dir, 'embedded-state'), progress: false, log: () => undefined });

    expect(summary).toMatchObject({ status: 'completed', records: OBJECTS * ROWS, badRecords: 0, splits: { total: OBJECTS, finished: OBJECTS, failed: 0 } });
    const lines = readJsonlDir(out);
    expect(lines).toHaveLength(OBJECTS * ROWS);
    expect(new Set(lines.map((l) => l.id)).size).toBe(OBJECTS * ROWS);
    expect(new Set(valueIds(lines))).toEqual(expectedIds());

    const again = await runEmbedded(flow, { inProcess: true, parallelism: 2, stateDir: join(tmp.dir, 'embedded-state'), progress: false, log: () => undefined });
    expect(again).toMatchObject({ status: 'completed', records: 0 });
    expect(readJsonlDir(out)).toHaveLength(OBJECTS * ROWS);
  }, 300_000);

  it(`ingests ${OBJECTS} objects exactly once with the serverless runtime (enumerator → queue → reader)`, async () => {
    const out = join(tmp.dir, 'serverless-out');
    const flow = defineFlow({
      name: 's3-serverless',
      source: source({ path: `s3://${bucket}/mixed/`, discoveryPageSize: 250 }),
      sink: jsonlSink({ dir: out }),
      deadLetterDir: join(tmp.dir, 'serverless-dlq'),
    });
    const h = await serverlessHarness(aws(), flow);

    const first = await runEnumerator(h.deps);
    const outcomes = await h.drain({ maxMessages: 5_000 });

    expect(first).toMatchObject({ discovered: OBJECTS, created: OBJECTS, discoveryDone: true });
    expect(outcomes.filter((o) => o === 'finished')).toHaveLength(OBJECTS);
    const lines = readJsonlDir(out);
    expect(lines).toHaveLength(OBJECTS * ROWS);
    expect(new Set(lines.map((l) => l.id)).size).toBe(OBJECTS * ROWS);
    expect(new Set(valueIds(lines))).toEqual(expectedIds());
    const again = await runEnumerator(h.deps);
    expect(again).toMatchObject({ created: 0, complete: true, counts: { FINISHED: OBJECTS, PENDING: 0, ASSIGNED: 0, FAILED: 0 } });
  }, 300_000);
});
