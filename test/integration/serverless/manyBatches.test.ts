import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import { defineFlow } from '../../../lib/flow/Flow';
import { fileSource } from '../../../lib/sources/file';
import { jsonlSink } from '../../../lib/sinks/JsonlFileSink';
import type { SinkWriter } from '../../../lib/sinks/Sink';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
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
  let n = 0;

  beforeAll(() => {
    mkdirSync(join(tmp.dir, 'data'));
    writeFileSync(file, ['id,amount', ...Array.from({ length: ROWS }, (_, i) => `a-${i},${i}`)].join('\n') + '\n');
  });
  afterAll(() => tmp.cleanup());

  const flowTo = (out: string) =>
    defineFlow({ name: `many-${++n}`, source: fileSource({ path: file, maxRecordsPerBatch: BATCH }), sink: jsonlSink({ dir: out }), deadLetterDir: join(tmp.dir, `dlq-${n}`) });

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
