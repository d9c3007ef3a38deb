import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import fc from 'fast-check';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import { defineFlow } from '../../../lib/flow/Flow';
import { fileSource } from '../../../lib/sources/file';
import { jsonlSink } from '../../../lib/sinks/JsonlFileSink';
import type { SinkWriter } from '../../../lib/sinks/Sink';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { processSplitMessage } from '../../../lib/runtime/serverless/ReaderInvocation';
import { readJsonlDir } from '../../helpers/adfCli';
import { countAwsCalls } from '../../helpers/awsCallCounter';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';

/**
 * Many batches per reader invocation, against DynamoDB Local and fauxqs through the real SDK
 * clients: one message, one claim and one commit per batch read a whole file, and a failure
 * at any batch of a hold loses and doubles nothing (the batches before it stay committed and
 * published, the failed one is read again by the retry).
 */
const ROWS = 1_200;
const BATCH = 100;

describe('serverless reader: many batches per invocation (dynamodb-local + fauxqs)', () => {
  const aws = useAwsTestEnv();
  const tmp = tempDir();
  const file = join(tmp.dir, 'data', 'a.csv');
  const gz = join(tmp.dir, 'gz', 'g.jsonl.gz');
  let n = 0;

  beforeAll(() => {
    mkdirSync(join(tmp.dir, 'data'));
    writeFileSync(file, ['id,amount', ...Array.from({ length: ROWS }, (_, i) => `a-${i},${i}`)].join('\n') + '\n');
    mkdirSync(join(tmp.dir, 'gz'));
    // Lines that compress badly, so that decompressing to a position takes many chunks.
    writeFileSync(gz, gzipSync(Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ id: `g-${i}`, h: createHash('sha256').update(String(i)).digest('hex') })).join('\n') + '\n'));
  });
  afterAll(() => tmp.cleanup());

  const flowTo = (out: string, path = file) =>
    defineFlow({ name: `many-${++n}`, source: fileSource({ path, maxRecordsPerBatch: BATCH }), sink: jsonlSink({ dir: out }), deadLetterDir: join(tmp.dir, `dlq-${n}`) });

  it('streams a gzip split through one invocation: 20 batches, decompressed once, every record once', async () => {
    const out = join(tmp.dir, `out-gz-${n}`);
    const h = await serverlessHarness(aws(), flowTo(out, gz), { batchSize: 1_000 });
    await runEnumerator(h.deps);
    expect(await h.drain()).toEqual(['finished']);
    const ids = (readJsonlDir(out) as { id: string }[]).map((l) => l.id);
    expect(ids).toHaveLength(20_000);
    expect(new Set(ids).size).toBe(20_000);
  });

  it('a gzip split that cannot be resumed within an invocation is FAILED at its first attempt with the reason and an alert', async () => {
    const out = join(tmp.dir, `out-gzfail-${n}`);
    const h = await serverlessHarness(aws(), flowTo(out, gz), { batchSize: 15_000, maxBatchesPerInvocation: 1, timeMarginMs: 1_000 });
    await runEnumerator(h.deps);
    expect(await h.drain({ until: async () => ((await h.deps.store.get('g.jsonl.gz'))?.records ?? 0) > 0 })).toEqual(['committed']);
    const [message] = await h.takeMessages();

    // The next invocation has a moment only: decompressing to byte ~1.5 MB cannot finish in it.
    const outcome = await processSplitMessage(h.deps, message!, { owner: 'short', remainingMs: () => 1_001, firstMessage: true });

    expect(outcome).toBe('failed');
    const row = await h.deps.store.get('g.jsonl.gz');
    expect(row).toMatchObject({ status: SplitStatus.FAILED, attempts: 1, records: 15_000 });
    expect(row?.lastError).toMatch(/g\.jsonl\.gz: gzip data cannot be read from the middle.*readerTimeout/);
    expect(await h.receiveDlq()).toEqual([expect.objectContaining({ splitId: 'g.jsonl.gz' })]);
    expect(readJsonlDir(out)).toHaveLength(15_000);
  });

  it('reads a 12-batch file in one invocation: one claim, a commit per batch, no continuation message', async () => {
    const out = join(tmp.dir, `out-${n}`);
    const h = await serverlessHarness(aws(), flowTo(out), { batchSize: BATCH });
    await runEnumerator(h.deps);
    const calls = countAwsCalls({ dynamodb: aws().clients.dynamodb, sqs: aws().clients.sqs });
    try {
      expect(await h.drain()).toEqual(['finished']);
      expect(calls.of('sqs', 'SendMessage') + calls.of('sqs', 'SendMessageBatch')).toBe(0);
      // One claim, twelve batch commits, the commit of the split's end (found after its last
      // record), and the FINISHED row's expiry once its afterFinish step is done.
      expect(calls.all()).toMatchObject({ 'dynamodb:UpdateItemCommand': 1 + ROWS / BATCH + 1 + 1 });
    } finally {
      calls.stop();
    }
    expect(await h.deps.store.get('a.csv')).toMatchObject({ status: SplitStatus.FINISHED, records: ROWS, attempts: 0 });
    const lines = readJsonlDir(out) as { id: string }[];
    expect(lines).toHaveLength(ROWS);
    expect(new Set(lines.map((l) => l.id)).size).toBe(ROWS);
  });

  it('a write or publish that fails at any batch of a hold: every record once after the retries', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: ROWS / BATCH }), fc.constantFrom('write', 'publish'), async (failAt, step) => {
        const out = join(tmp.dir, `out-${n + 1}`);
        const h = await serverlessHarness(aws(), flowTo(out), { batchSize: BATCH });
        const real = h.deps.sink;
        let calls = 0;
        (h.deps as { sink: typeof real }).sink = async () => {
          const w = await real();
          const failing: SinkWriter<unknown> = {
            write: async (batch) => {
              if (step === 'write' && ++calls === failAt) throw new Error(`injected: write ${failAt} fails`);
              return w.write(batch);
            },
            publish: async (splitId, state, call) => {
              if (step === 'publish' && ++calls === failAt) throw new Error(`injected: publish ${failAt} fails`);
              return w.publish!(splitId, state, call);
            },
            discard: w.discard && ((splitId, state) => w.discard!(splitId, state)),
            close: () => w.close(),
          };
          return failing;
        };
        await runEnumerator(h.deps);
        await h.drain({ timeoutMs: 60_000 });
        const row = await h.deps.store.get('a.csv');
        expect(row).toMatchObject({ status: SplitStatus.FINISHED, records: ROWS });
        const ids = (readJsonlDir(out) as { id: string }[]).map((l) => l.id);
        expect(ids).toHaveLength(ROWS);
        expect(new Set(ids).size).toBe(ROWS);
      }),
      { numRuns: 6 },
    );
  }, 240_000);
});
