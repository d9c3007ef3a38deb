import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import { defineFlow } from '../../../lib/flow/Flow';
import type { Transform } from '../../../lib/flow/Flow';
import { fileSource } from '../../../lib/sources/file';
import { functionSink } from '../../../lib/sinks';
import { jsonlSink } from '../../../lib/sinks/JsonlFileSink';
import type { Sink } from '../../../lib/sinks/Sink';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { runFailureHandler } from '../../../lib/runtime/serverless/FailureHandlerRun';
import { processSplitMessage } from '../../../lib/runtime/serverless/ReaderInvocation';
import { readJsonlDir } from '../../helpers/adfCli';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';

/**
 * The serverless runtime end to end through the real SDK clients against DynamoDB Local and
 * fauxqs (or LocalStack with ADF_TEST_AWS=localstack): enumerator → queue → reader → sink.
 */
const ROWS = 1_200;

function makeData(dir: string): number {
  mkdirSync(dir, { recursive: true });
  const csv = (f: string) => ['id,amount', ...Array.from({ length: ROWS }, (_, i) => `${f}-${i},${i}`)].join('\n') + '\n';
  writeFileSync(join(dir, 'a.csv'), csv('a'));
  writeFileSync(join(dir, 'b.csv'), csv('b'));
  writeFileSync(join(dir, 'c.csv.gz'), gzipSync(csv('c')));
  writeFileSync(join(dir, 'd.jsonl'), Array.from({ length: ROWS }, (_, i) => JSON.stringify({ id: `d-${i}` })).join('\n') + '\n');
  return 4 * ROWS;
}

/** A sink keyed by record id (a table upsert): repeats are harmless, and counted to prove there were none. */
function recordingSink() {
  const byId = new Map<string, unknown>();
  let writes = 0;
  const sink = functionSink((records) => {
    for (const r of records) {
      writes++;
      byId.set(r.id, r.value);
    }
  });
  return { sink, byId, writes: () => writes };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['dynamodb-local', 'dynalite'] as const)('serverless runtime, file flow (%s + fauxqs)', (dynamodb) => {
  const aws = useAwsTestEnv({ dynamodb });
  let tmp: ReturnType<typeof tempDir>;
  let data: string;
  let total: number;
  let flowCount = 0;

  beforeAll(() => {
    tmp = tempDir();
    data = join(tmp.dir, 'data');
    total = makeData(data);
  });
  afterAll(() => tmp.cleanup());

  const flow = (sink: Sink, options: { transform?: Transform; batch?: number; path?: string } = {}) =>
    defineFlow({
      name: `flow-${++flowCount}`,
      source: fileSource({ path: options.path ?? data, maxRecordsPerBatch: options.batch ?? 500 }),
      transform: options.transform,
      sink,
      deadLetterDir: join(tmp.dir, `dlq-${flowCount}`),
    });

  it('runs enumerator → queue → reader → sink: every split FINISHED, every record once; a re-run creates nothing', async () => {
    const out = join(tmp.dir, 'out-e2e');
    const h = await serverlessHarness(aws(), flow(jsonlSink({ dir: out })));

    const first = await runEnumerator(h.deps);
    expect(first).toMatchObject({ created: 4, discoveryDone: true, complete: false });
    const outcomes = await h.drain();
    expect(outcomes.filter((o) => o === 'finished')).toHaveLength(4);

    const lines = readJsonlDir(out);
    expect(lines).toHaveLength(total);
    expect(new Set(lines.map((l) => l.id)).size).toBe(total);
    const again = await runEnumerator(h.deps);
    expect(again).toMatchObject({ discovered: 4, created: 0, complete: true, counts: { FINISHED: 4, PENDING: 0, ASSIGNED: 0, FAILED: 0 } });
    expect(await h.drain()).toEqual([]);
  });

  it('continues a discovery capped by maxFilesPerRun from its cursor on the next run', async () => {
    const rec = recordingSink();
    const capped = defineFlow({ name: `flow-${++flowCount}`, source: fileSource({ path: data, maxFilesPerRun: 3 }), sink: rec.sink, deadLetterDir: join(tmp.dir, `dlq-${flowCount}`) });
    const h = await serverlessHarness(aws(), capped);
    expect(await runEnumerator(h.deps)).toMatchObject({ created: 3, discoveryDone: false, complete: false });
    expect(await runEnumerator(h.deps)).toMatchObject({ created: 1, discoveryDone: true });
    await h.drain();
    // A new pass starts from the top, capped again: complete is declared at the end of a whole pass.
    expect(await runEnumerator(h.deps)).toMatchObject({ created: 0, discoveryDone: false, complete: false });
    expect(await runEnumerator(h.deps)).toMatchObject({ created: 0, discoveryDone: true, complete: true, counts: { FINISHED: 4 } });
    expect(rec.byId.size).toBe(total);
  });

  it('drops duplicate deliveries without changing the result', async () => {
    const out = join(tmp.dir, 'out-dup');
    const h = await serverlessHarness(aws(), flow(jsonlSink({ dir: out })));
    await runEnumerator(h.deps);
    const ids = ['a.csv', 'b.csv', 'c.csv.gz', 'd.jsonl'];
    await h.deps.queue.enqueue(ids.map((splitId) => ({ flow: h.deps.flow.name, splitId, token: 0 }))); // each first message twice

    const outcomes = await h.drain();
    expect(outcomes).toContain('dropped');
    expect(readJsonlDir(out)).toHaveLength(total);
    expect(new Set(readJsonlDir(out).map((l) => l.id)).size).toBe(total);

    await h.deps.queue.enqueue(ids.map((splitId) => ({ flow: h.deps.flow.name, splitId, token: 0 }))); // after the end
    expect(await h.drain()).toEqual(['dropped', 'dropped', 'dropped', 'dropped']);
    expect(readJsonlDir(out)).toHaveLength(total);
  });

  it('fences a reader whose lease expired mid-batch; another reader finishes the split without loss or duplicates', async () => {
    const rec = recordingSink();
    let stall = true;
    const slowOnce: Transform = async (v) => {
      if (stall) {
        stall = false;
        await sleep(2_500); // longer than the zombie's lease
      }
      return v;
    };
    const h = await serverlessHarness(aws(), flow(rec.sink, { transform: slowOnce, path: join(data, 'a.csv') }), { leaseGraceMs: 300, timeMarginMs: 200 });
    await runEnumerator(h.deps);
    const [message] = await h.takeMessages();

    const zombie = processSplitMessage(h.deps, message!, { owner: 'zombie', remainingMs: () => 1_000 });
    await sleep(1_600); // the zombie's lease (1 s + 0.3 s grace) is over; it is still inside its batch
    expect(await runFailureHandler(h.deps)).toMatchObject({ reclaimed: 1 });
    await h.drain(); // another reader takes the reclaimed split and finishes it

    expect(await zombie).toBe('fenced');
    expect(await h.deps.store.get('a.csv')).toMatchObject({ status: SplitStatus.FINISHED, records: ROWS });
    expect(rec.byId.size).toBe(ROWS);
    expect(rec.writes()).toBe(ROWS); // the zombie wrote nothing
  });

  it('fences the commit of a reader that wrote before its lease ran out but committed after', async () => {
    const out = join(tmp.dir, 'out-fence-commit');
    const inner = jsonlSink({ dir: out });
    let stall = true;
    const slowSink: Sink = {
      type: 'slow',
      open: async (ctx) => {
        const w = await inner.open(ctx);
        return {
          write: async (b) => {
            const state = await w.write(b);
            if (stall) {
              stall = false;
              await sleep(2_500); // written, not yet committed
            }
            return state;
          },
          // A wrapper forwards the whole writer: staged writers publish after the commit.
          publish: w.publish?.bind(w),
          discard: w.discard?.bind(w),
          close: () => w.close(),
        };
      },
    };
    const h = await serverlessHarness(aws(), flow(slowSink, { path: join(data, 'b.csv') }), { leaseGraceMs: 300, timeMarginMs: 200 });
    await runEnumerator(h.deps);
    const [message] = await h.takeMessages();
    const zombie = processSplitMessage(h.deps, message!, { owner: 'zombie', remainingMs: () => 1_000 });
    await sleep(1_600);
    expect(await runFailureHandler(h.deps)).toMatchObject({ reclaimed: 1 });
    await h.drain();

    expect(await zombie).toBe('fenced');
    const lines = readJsonlDir(out);
    expect(lines).toHaveLength(ROWS);
    expect(new Set(lines.map((l) => l.id)).size).toBe(ROWS);
  });

  it('recovers a lost continuation message through the failure handler', async () => {
    const rec = recordingSink();
    const h = await serverlessHarness(aws(), flow(rec.sink, { path: join(data, 'd.jsonl') }), { batchSize: 100, maxBatchesPerInvocation: 2 });
    await runEnumerator(h.deps);
    const realEnqueue = h.deps.queue.enqueue.bind(h.deps.queue);
    let lost = 0;
    (h.deps.queue as { enqueue: typeof realEnqueue }).enqueue = async (messages, delay) => {
      if (lost++ === 0) return; // the first continuation vanishes (a crash between commit and send)
      return realEnqueue(messages, delay);
    };
    await h.drain();
    expect(await h.deps.store.get('d.jsonl')).toMatchObject({ status: SplitStatus.PENDING, records: 200 });

    expect(await runFailureHandler(h.deps, Date.now() + h.deps.config.orphanAfterMs + 1)).toMatchObject({ resent: 1 });
    await h.drain();
    expect(await h.deps.store.get('d.jsonl')).toMatchObject({ status: SplitStatus.FINISHED, records: ROWS });
    expect(rec.byId.size).toBe(ROWS);
    expect(rec.writes()).toBe(ROWS);
  });

  it('keeps a committed batch committed when sending its continuation throws, and recovers the split', async () => {
    const rec = recordingSink();
    const h = await serverlessHarness(aws(), flow(rec.sink, { path: join(data, 'd.jsonl') }), { batchSize: 400, maxBatchesPerInvocation: 2 });
    await runEnumerator(h.deps);
    const realEnqueue = h.deps.queue.enqueue.bind(h.deps.queue);
    let calls = 0;
    (h.deps.queue as { enqueue: typeof realEnqueue }).enqueue = async (messages, delay) => {
      if (calls++ === 0) throw new Error('SQS unavailable');
      return realEnqueue(messages, delay);
    };
    expect(await h.drain()).toEqual(['committed']);
    expect(await h.deps.store.get('d.jsonl')).toMatchObject({ status: SplitStatus.PENDING, records: 800, attempts: 0 });
    expect((await h.deps.store.get('d.jsonl'))?.lastError).toBeUndefined();

    expect(await runFailureHandler(h.deps, Date.now() + h.deps.config.orphanAfterMs + 1)).toMatchObject({ resent: 1 });
    await h.drain();
    expect(await h.deps.store.get('d.jsonl')).toMatchObject({ status: SplitStatus.FINISHED, records: ROWS });
    expect(rec.writes()).toBe(ROWS);
  });

  it('fails a split that always throws after maxAttempts, with its error and a DLQ message', async () => {
    const broken: Sink = { type: 'broken', open: async () => ({ write: async () => { throw new Error('disk full'); }, close: async () => undefined }) };
    const h = await serverlessHarness(aws(), flow(broken, { path: join(data, 'a.csv') }), { maxAttempts: 2 });
    await runEnumerator(h.deps);
    const outcomes = await h.drain();
    expect(outcomes).toEqual(['retrying', 'failed']);
    expect(await h.deps.store.get('a.csv')).toMatchObject({ status: SplitStatus.FAILED, attempts: 2, lastError: 'disk full' });
    expect(await h.receiveDlq()).toEqual([expect.objectContaining({ flow: h.deps.flow.name, splitId: 'a.csv', error: 'disk full', attempts: 2 })]);
  });
});

describe('serverless runtime, a message reached with too little time left', () => {
  const aws = useAwsTestEnv();
  it('is handed on unclaimed and read by the next invocation', async () => {
    const tmp = tempDir();
    try {
      writeFileSync(join(tmp.dir, 'a.jsonl'), '{"n":1}\n{"n":2}\n');
      const rec = recordingSink();
      const flow = defineFlow({ name: 'late', source: fileSource({ path: tmp.dir }), sink: rec.sink, deadLetterDir: join(tmp.dir, 'dlq') });
      const h = await serverlessHarness(aws(), flow, { timeMarginMs: 1_000 });
      await runEnumerator(h.deps);
      const [message] = await h.takeMessages();
      expect(await processSplitMessage(h.deps, message!, { owner: 'late', remainingMs: () => 1_500 })).toBe('deferred');
      expect(await h.deps.store.get('a.jsonl')).toMatchObject({ status: SplitStatus.PENDING, leaseToken: 0 });
      const [again] = await h.takeMessages();
      expect(again).toEqual(message); // the same message, same token, handed on
      await h.deps.queue.enqueue([again!]);
      expect(await h.drain()).toEqual(['finished']);
      expect(rec.byId.size).toBe(2);
      // The first message of an invocation is read however little time is left (no endless hand-on).
      writeFileSync(join(tmp.dir, 'b.jsonl'), '{"n":3}\n');
      await runEnumerator(h.deps);
      const [first] = await h.takeMessages();
      expect(await processSplitMessage(h.deps, first!, { owner: 'short', remainingMs: () => 1_500, firstMessage: true })).toBe('finished');
      expect(rec.byId.size).toBe(3);
    } finally {
      tmp.cleanup();
    }
  });
});
