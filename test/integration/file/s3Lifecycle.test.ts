import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { ensureBucket } from '../../../lib/aws/resources';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import { SplitFailedError } from '../../../lib/errors';
import { defineFlow } from '../../../lib/flow/Flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { registerEventSplits, runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { processSplitMessage } from '../../../lib/runtime/serverless/ReaderInvocation';
import { jsonlSink } from '../../../lib/sinks/JsonlFileSink';
import { FileSource, FileSplitSerializer, type FileSourceOptions, type FileSplit, type SkippedFile } from '../../../lib/sources/file';
import { readJsonlDir } from '../../helpers/adfCli';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';
import { listKeys, objectExists, putObject } from './s3Objects';

/**
 * What happens to S3 objects around their splits: an object replaced mid-split fails the
 * split instead of mixing versions; S3 notifications name the objects to read; afterFinish
 * deletes or moves an object only once every split of it is FINISHED.
 */
const jsonl = (tag: string, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${tag}-${i}`, tag })).join('\n') + '\n';
const csv = (tag: string, n: number) => 'id,tag,note\n' + Array.from({ length: n }, (_, i) => `${tag}-${i},${tag},"two\nlines ${i}"`).join('\n') + '\n';

describe('S3 objects around their splits', () => {
  const aws = useAwsTestEnv();
  let tmp: ReturnType<typeof tempDir>;
  let bucket: string;
  let flows = 0;
  const skipped: SkippedFile[] = [];
  const source = (options: Omit<FileSourceOptions, 's3Client'>) => new FileSource({ ...options, s3Client: aws().clients.s3 }, (f) => skipped.push(f));
  const put = (key: string, body: string) => putObject(aws().clients.s3, bucket, key, body);
  const exists = (key: string) => objectExists(aws().clients.s3, bucket, key);
  const flowOf = (options: Omit<FileSourceOptions, 's3Client'>) => {
    const n = ++flows;
    const out = join(tmp.dir, `out-${n}`);
    return { out, flow: defineFlow({ name: `life-${n}`, source: source(options), sink: jsonlSink({ dir: out }), deadLetterDir: join(tmp.dir, `dlq-${n}`) }) };
  };
  const clock = () => ({ owner: randomUUID(), remainingMs: () => 60_000 });

  beforeAll(async () => {
    tmp = tempDir();
    bucket = aws().names.bucket;
    await ensureBucket(aws().clients.s3, bucket);
  });
  afterAll(() => tmp.cleanup());

  describe('an object replaced between two batches of one split', () => {
    it('fails the next read with SplitFailedError naming s3://bucket/key and both ETags (reader level)', async () => {
      const listed = await put('ow1/data.jsonl', jsonl('v1', 50));
      const src = source({ path: `s3://${bucket}/ow1/` });
      const [split] = (await discoverAll(src)) as [FileSplit];
      const first = src.createReader({ readerId: 0, sendSplitRequest() {} });
      first.addSplits([split]);
      const { batch } = await first.poll({ maxRecords: 10 });
      await first.close();
      const replaced = await put('ow1/data.jsonl', jsonl('v2', 50));

      const second = src.createReader({ readerId: 0, sendSplitRequest() {} });
      second.addSplits([FileSplitSerializer.deserialize(2, JSON.parse(JSON.stringify(FileSplitSerializer.serialize(batch!.split))))]);
      const error = await second.poll({ maxRecords: 10 }).catch((e: unknown) => e);

      expect(batch!.records.map((r) => (r.value as { tag: string }).tag)).toEqual(Array(10).fill('v1'));
      expect(error).toBeInstanceOf(SplitFailedError);
      expect((error as Error).message).toContain(`s3://${bucket}/ow1/data.jsonl`);
      expect((error as Error).message).toContain(listed);
      expect((error as Error).message).toContain(replaced);
      expect((error as SplitFailedError).context).toMatchObject({ splitId: 'data.jsonl', expectedEtag: listed, actualEtag: replaced });
    });

    it('fails a split whose object vanished with "object vanished"', async () => {
      await put('gone/data.csv', csv('g', 5));
      const src = source({ path: `s3://${bucket}/gone/` });
      const [split] = (await discoverAll(src)) as [FileSplit];
      await aws().clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone/data.csv' }));

      const reader = src.createReader({ readerId: 0, sendSplitRequest() {} });
      reader.addSplits([split]);

      await expect(reader.poll()).rejects.toThrow(`object vanished: s3://${bucket}/gone/data.csv`);
      await reader.close();
    });

    it('is reported as a FAILED split by the serverless runtime, and the sink holds only records of the first version', async () => {
      await put('ow2/data.jsonl', jsonl('v1', 50));
      const { out, flow } = flowOf({ path: `s3://${bucket}/ow2/` });
      const h = await serverlessHarness(aws(), flow, { batchSize: 10, maxAttempts: 1, maxBatchesPerInvocation: 1 });
      await runEnumerator(h.deps);
      const [message] = await h.takeMessages();

      expect(await processSplitMessage(h.deps, message!, clock())).toBe('committed');
      await put('ow2/data.jsonl', jsonl('v2', 50));
      const outcomes = await h.drain();

      expect(outcomes).toEqual(['failed']);
      const row = await h.deps.store.get('data.jsonl');
      expect(row).toMatchObject({ status: SplitStatus.FAILED, records: 10 });
      expect(row!.lastError).toMatch(new RegExp(`object replaced while it was being read: s3://${bucket}/ow2/data.jsonl \\(listed with ETag ".+", now ".+"\\)`));
      expect(new Set(readJsonlDir(out).map((l) => (l.value as { tag: string }).tag))).toEqual(new Set(['v1']));
      expect(await h.receiveDlq()).toEqual([expect.objectContaining({ splitId: 'data.jsonl', error: expect.stringContaining('ow2/data.jsonl') })]);
    });
  });

  describe('splitsForObjects', () => {
    it('creates exactly the splits of the named objects under the prefix that pass the filters; others are ignored', async () => {
      await put('ev/old.csv', csv('old', 3));
      await put('ev/new.csv', csv('new', 3));
      await put('ev/notes.txt', 'x');
      await put('ev/.hidden.csv', csv('h', 1));
      await put('elsewhere/new.csv', csv('e', 1));
      const src = source({ path: `s3://${bucket}/ev/`, exclude: ['*.txt'] });
      skipped.length = 0;

      const splits = await src.splitsForObjects([
        { bucket, key: 'ev/new.csv' },
        { bucket, key: 'ev/new.csv' }, // named twice (a redelivered notification)
        { bucket: 'some-other-bucket', key: 'ev/new.csv' },
        { bucket, key: 'elsewhere/new.csv' },
        { bucket, key: 'ev/notes.txt' },
        { bucket, key: 'ev/.hidden.csv' },
        { bucket, key: 'ev/vanished.csv' },
      ]);

      expect(splits.map((s) => s.splitId)).toEqual(['new.csv']);
      expect(splits[0]).toMatchObject({ path: `s3://${bucket}/ev/new.csv`, fileId: 'new.csv', etag: expect.any(String), size: Buffer.byteLength(csv('new', 3)), fileSplits: 1 });
      expect(skipped).toEqual([expect.objectContaining({ fileId: 'vanished.csv', reason: expect.stringContaining('object vanished') })]);
    });

    it('creates the same byte ranges for a large object as discovery does', async () => {
      await put('evbig/big.csv', csv('big', 200));
      const src = source({ path: `s3://${bucket}/evbig/`, splitSize: 1024 });

      const fromEvent = await src.splitsForObjects([{ bucket, key: 'evbig/big.csv' }]);
      const fromDiscovery = await discoverAll(src);

      expect(fromEvent.length).toBeGreaterThan(3);
      expect(fromEvent.map((s) => FileSplitSerializer.serialize(s))).toEqual(fromDiscovery.map((s) => FileSplitSerializer.serialize(s)));
    });

    it('turns an S3 → SQS notification into splits for just the new object, read by the serverless runtime', async () => {
      await put('evq/a.jsonl', jsonl('a', 4));
      const { out, flow } = flowOf({ path: `s3://${bucket}/evq/` });
      const h = await serverlessHarness(aws(), flow);
      await put('evq/b+c.jsonl', jsonl('b', 6));
      const s3Event = { Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: 'evq/b%2Bc.jsonl' } } }] };
      const sqsEvent = { Records: [{ eventSource: 'aws:sqs', body: JSON.stringify(s3Event) }] };

      const named = await flow.source.splitsForEvent!(sqsEvent);
      const result = await registerEventSplits(h.deps, named!);
      await h.drain();

      expect(await flow.source.splitsForEvent!({ 'detail-type': 'Scheduled Event', source: 'aws.events' })).toBeUndefined();
      expect(named!.map((s) => s.splitId)).toEqual(['b+c.jsonl']);
      expect(result).toMatchObject({ created: 1 });
      expect(readJsonlDir(out).map((l) => (l.value as { id: string }).id).sort()).toEqual(['b-0', 'b-1', 'b-2', 'b-3', 'b-4', 'b-5']);
      expect((await registerEventSplits(h.deps, (await flow.source.splitsForEvent!(sqsEvent))!)).created).toBe(0); // redelivered
    });
  });

  describe('afterFinish', () => {
    it('delete: removes the object only after every range of it is FINISHED (serverless, one message at a time)', async () => {
      const body = csv('d', 120);
      await put('del/big.csv', body);
      await put('del/small.jsonl', jsonl('s', 3));
      const { out, flow } = flowOf({ path: `s3://${bucket}/del/`, splitSize: 1024, afterFinish: 'delete' });
      const h = await serverlessHarness(aws(), flow, { batchSize: 15 });
      const { created } = await runEnumerator(h.deps);
      const rangeIds = Array.from({ length: created - 1 }, (_, i) => `big.csv#${i}`);
      expect(created).toBeGreaterThan(3);

      // Drive the queue by hand: after each invocation, the object exists unless all ranges are FINISHED.
      for (let round = 0; round < 500; round++) {
        const messages = await h.takeMessages();
        if (messages.length === 0) break;
        for (const m of messages) {
          await processSplitMessage(h.deps, m, clock());
          const statuses = await Promise.all(rangeIds.map(async (id) => (await h.deps.store.get(id))?.status));
          const allFinished = statuses.every((s) => s === SplitStatus.FINISHED);
          expect({ round, allFinished, exists: await exists('del/big.csv') }).toEqual({ round, allFinished, exists: !allFinished });
        }
      }

      expect(await exists('del/big.csv')).toBe(false);
      expect(await exists('del/small.jsonl')).toBe(false);
      expect(readJsonlDir(out)).toHaveLength(123);
    }, 120_000);

    it('move: copies each object under moveTo (keeping its relative key) and deletes it, after all its splits are FINISHED (embedded)', async () => {
      const body = csv('m', 100);
      await put('mv/in/big.csv', body);
      await put('mv/in/sub/one.jsonl', jsonl('o', 2));
      const { out, flow } = flowOf({ path: `s3://${bucket}/mv/in/`, splitSize: 1024, afterFinish: { moveTo: `s3://${bucket}/mv/archive/` }, maxRecordsPerBatch: 7 });

      const summary = await runEmbedded(flow, { inProcess: true, parallelism: 2, stateDir: join(tmp.dir, 'mv-state'), progress: false, log: () => undefined });

      expect(summary).toMatchObject({ status: 'completed', records: 102 });
      expect(summary.splits.total).toBeGreaterThan(3);
      expect(readJsonlDir(out)).toHaveLength(102);
      // The embedded runtime acknowledges a FINISHED commit before it runs the after-finish
      // action, so runEmbedded may resolve while the last move is under way: wait for it.
      const moved = ['mv/archive/big.csv', 'mv/archive/sub/one.jsonl'];
      for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
        if (JSON.stringify(await listKeys(aws().clients.s3, bucket, 'mv/')) === JSON.stringify(moved)) break;
      }
      expect(await listKeys(aws().clients.s3, bucket, 'mv/')).toEqual(moved);
      const archived = await aws().clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mv/archive/big.csv' }));
      expect(await archived.Body!.transformToString()).toBe(body);
    }, 120_000);

    it('move and delete are idempotent: a second call after the object is gone does nothing', async () => {
      await put('idem/a.csv', csv('i', 2));
      const moving = source({ path: `s3://${bucket}/idem/`, afterFinish: { moveTo: `s3://${bucket}/idem-archive/` } });
      const [split] = await discoverAll(moving);

      await Promise.all([moving.onSplitFinished(split!, async () => true), moving.onSplitFinished(split!, async () => true)]);
      await moving.onSplitFinished(split!, async () => true);
      await source({ path: `s3://${bucket}/idem/`, afterFinish: 'delete' }).onSplitFinished(split!, async () => true);

      expect(await listKeys(aws().clients.s3, bucket, 'idem')).toEqual(['idem-archive/a.csv']);
    });

    it('leaves an object that was replaced after it was read, with an error saying so', async () => {
      await put('repl/a.csv', csv('r1', 2));
      const src = source({ path: `s3://${bucket}/repl/`, afterFinish: 'delete' });
      const [split] = await discoverAll(src);
      await put('repl/a.csv', csv('r2', 2));

      await expect(src.onSplitFinished(split!, async () => true)).rejects.toThrow(/it was replaced since it was read/);
      expect(await exists('repl/a.csv')).toBe(true);
    });
  });
});

async function discoverAll(source: FileSource): Promise<FileSplit[]> {
  const splits: FileSplit[] = [];
  for await (const page of source.createDiscoverer().discover(undefined)) splits.push(...page.splits);
  return splits;
}
