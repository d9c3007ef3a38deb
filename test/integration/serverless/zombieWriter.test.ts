import { writeFileSync, mkdirSync, readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

import { ensureBucket } from '../../../lib/aws/resources';
import { defineFlow } from '../../../lib/flow/Flow';
import type { Flow } from '../../../lib/flow/Flow';
import { fileSource } from '../../../lib/sources/file';
import { jsonlSink } from '../../../lib/sinks/JsonlFileSink';
import { S3JsonlSink } from '../../../lib/sinks/S3JsonlSink';
import type { Sink, SinkWriter } from '../../../lib/sinks/Sink';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { processSplitMessage } from '../../../lib/runtime/serverless/ReaderInvocation';
import type { ServerlessDeps } from '../../../lib/runtime/serverless/ServerlessDeps';
import { serverlessSinks } from '../../../lib/runtime/serverless/serverlessSinks';
import { baseClientConfig } from '../../../lib/aws/config';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import type { AwsTestEnv } from '../../helpers/awsEnv';
import { pausingWriter } from '../../helpers/pausingWriter';
import type { PausePoint } from '../../helpers/pausingWriter';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import type { ServerlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';
import { listKeys } from '../file/s3Objects';

/**
 * Issue 8 item 1: a reader stalls inside a sink call past its lease, the next holder claims,
 * writes and commits, then the stalled one resumes and finishes its write and its (refused)
 * commit. Read back on its own, the output must hold every committed record exactly once.
 * The stalled reader reads 3 records a batch, its successor 5, so their batches differ.
 */
const ROWS = 40;
const goodNs = Array.from({ length: ROWS }, (_, n) => n).filter((n) => n % 3 !== 0);
const badNs = Array.from({ length: ROWS }, (_, n) => n).filter((n) => n % 3 === 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clock = (owner: string, ms: number) => {
  const deadline = Date.now() + ms;
  return { owner, remainingMs: () => deadline - Date.now(), firstMessage: true };
};

/** Every line of JSON Lines text, and how many lines were not JSON (NUL bytes, torn lines). */
function parseLines(texts: string[]): { values: Record<string, unknown>[]; unreadable: number } {
  const values: Record<string, unknown>[] = [];
  let unreadable = 0;
  for (const line of texts.flatMap((t) => t.split('\n')).filter((l) => l !== '')) {
    try {
      values.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      unreadable++;
    }
  }
  return { values, unreadable };
}

/** The output as a user reads it: the visible *.jsonl files of a directory. */
function readDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')).map((f) => readFileSync(join(dir, f), 'latin1')) : [];
}

function expectExactlyOnce(out: string[], dlq: string[]): void {
  const good = parseLines(out);
  const bad = parseLines(dlq);
  expect({ unreadable: good.unreadable + bad.unreadable }).toEqual({ unreadable: 0 });
  expect(good.values.map((v) => Number((v.value as { n: string }).n)).sort((a, b) => a - b)).toEqual(goodNs);
  expect(bad.values.map((v) => Number((v.raw as { n: string }).n)).sort((a, b) => a - b)).toEqual(badNs);
}

/** An S3 client whose PutObject requests stall on the wire once armed, then land whatever the caller gave up on. */
function slowS3Client(env: AwsTestEnv): { client: S3Client; arm(): void; reached: Promise<void>; resume(): void } {
  const inner = new NodeHttpHandler();
  let armed = false;
  let reachedResolve!: () => void;
  const reached = new Promise<void>((r) => (reachedResolve = r));
  let resumeResolve!: () => void;
  const resumed = new Promise<void>((r) => (resumeResolve = r));
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async (request: Parameters<NodeHttpHandler['handle']>[0]) => {
      if (armed && request.method === 'PUT' && !request.headers['x-amz-copy-source']) {
        armed = false;
        reachedResolve();
        await resumed;
      }
      return inner.handle(request, {}); // already on the wire: the caller's abort cannot recall it
    },
    destroy: () => inner.destroy(),
  };
  const client = new S3Client({ ...baseClientConfig('s3', env), forcePathStyle: true, requestHandler: handler });
  return { client, arm: () => (armed = true), reached, resume: () => resumeResolve() };
}

describe('serverless sink writes under a stalled writer (dynalite + fauxqs)', () => {
  const aws = useAwsTestEnv({ dynamodb: 'dynalite' });
  let tmp: ReturnType<typeof tempDir>;
  let data: string;
  let n = 0;

  beforeAll(() => {
    tmp = tempDir();
    data = join(tmp.dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.csv'), ['n', ...Array.from({ length: ROWS }, (_, i) => String(i))].join('\n') + '\n');
  });
  afterAll(() => tmp.cleanup());

  const flowWith = (sink: Sink, deadLetterDir: string): Flow =>
    defineFlow({
      name: `zombie-${++n}`,
      source: fileSource({ path: data }),
      // Every third record fails: every batch has bad records for the dead-letter writer.
      transform: (value: { n: string }) => {
        if (Number(value.n) % 3 === 0) throw new Error('a multiple of three');
        return value;
      },
      sink,
      deadLetterDir,
    });

  /**
   * One batch committed normally, then the stalled reader, its successor and the rest of the
   * split. `zombieSinks` are the stalled reader's writers (another container's).
   */
  async function runWithZombie(h: ServerlessHarness, zombieSinks: Pick<ServerlessDeps, 'sink' | 'deadLetter'>, stall: { reached: Promise<void>; resume(): void }): Promise<void> {
    await runEnumerator(h.deps);
    let [message] = await h.takeMessages();
    expect(await processSplitMessage(h.deps, message!, clock('first', 60_000))).toBe('committed');
    [message] = await h.takeMessages();

    const zombieDeps: ServerlessDeps = { ...h.deps, config: { ...h.deps.config, batchSize: 3 }, ...zombieSinks };
    const zombie = processSplitMessage(zombieDeps, message!, clock('zombie', 1_500));
    await stall.reached;
    const row = (await h.deps.store.get(message!.splitId))!;
    expect(row.leaseOwner).toBe('zombie');
    while (Date.now() <= row.leaseExpiresAt! + 50) await sleep(100);

    // The failure handler's re-send of the expired split; the successor commits a batch of 5.
    expect(await processSplitMessage(h.deps, { flow: h.deps.flow.name, splitId: message!.splitId, token: row.leaseToken }, clock('successor', 60_000))).toBe('committed');
    stall.resume();
    expect(await zombie).toBe('fenced');
    expect(await h.drain()).toContain('finished');
  }

  it.each(['out', 'dead letter'] as const)('JSONL part files: a writer stalled in its %s write destroys nothing committed', async (which) => {
    const out = join(tmp.dir, `out-${n + 1}`);
    const dlq = join(tmp.dir, `dlq-${n + 1}`);
    const h = await serverlessHarness(aws(), flowWith(jsonlSink({ dir: out }), dlq), { batchSize: 5, maxBatchesPerInvocation: 1 });
    const own = serverlessSinks(h.deps.flow, h.deps.config);
    const outW = pausingWriter(await own.sink());
    const dlqW = pausingWriter(await own.deadLetter());
    (which === 'out' ? outW : dlqW).arm('write');
    const stalled = which === 'out' ? outW : dlqW;
    await runWithZombie(h, { sink: async () => outW.writer, deadLetter: async () => dlqW.writer }, stalled);
    expectExactlyOnce(readDir(out), readDir(dlq));
  }, 60_000);

  it.each(['out', 'dead letter'] as const)('JSONL part files: a reader stalled after its commit, before publishing its %s batch, rewrites nothing wrong', async (which) => {
    const out = join(tmp.dir, `out-${n + 1}`);
    const dlq = join(tmp.dir, `dlq-${n + 1}`);
    const h = await serverlessHarness(aws(), flowWith(jsonlSink({ dir: out }), dlq), { batchSize: 5, maxBatchesPerInvocation: 1 });
    await runEnumerator(h.deps);
    let [message] = await h.takeMessages();
    expect(await processSplitMessage(h.deps, message!, clock('first', 60_000))).toBe('committed');
    [message] = await h.takeMessages();

    const own = serverlessSinks(h.deps.flow, h.deps.config);
    const outW = pausingWriter(await own.sink());
    const dlqW = pausingWriter(await own.deadLetter());
    const stalled = which === 'out' ? outW : dlqW;
    stalled.arm('publish' satisfies PausePoint, 1); // not the publish of the state it claimed with: the one after its commit
    const zombieDeps: ServerlessDeps = { ...h.deps, config: { ...h.deps.config, batchSize: 3 }, sink: async () => outW.writer, deadLetter: async () => dlqW.writer };
    const zombie = processSplitMessage(zombieDeps, message!, clock('zombie', 1_500));
    await stalled.reached;
    // Committed and released, not yet published: the next holder publishes it, then goes on.
    const row = (await h.deps.store.get(message!.splitId))!;
    expect(await processSplitMessage(h.deps, { flow: h.deps.flow.name, splitId: message!.splitId, token: row.leaseToken }, clock('successor', 60_000))).toBe('committed');
    stalled.resume();
    expect(await zombie).toBe('committed');
    expect(await h.drain()).toContain('finished');
    expectExactlyOnce(readDir(out), readDir(dlq));
  }, 60_000);

  it('S3 objects: a PutObject that lands after the successor committed replaces nothing', async () => {
    const { bucket } = aws().names;
    const s3 = aws().clients.s3;
    await ensureBucket(s3, bucket);
    const prefix = `out-s3-${n + 1}/`;
    const h = await serverlessHarness(aws(), flowWith(new S3JsonlSink({ uri: `s3://${bucket}/${prefix}`, client: s3 }), `s3://${bucket}/dlq-${n + 1}/`), { batchSize: 5, maxBatchesPerInvocation: 1 });
    const slow = slowS3Client(aws());
    const ctx = { readerId: 0, leasesExpire: true };
    const zombieSinks = {
      sink: async (): Promise<SinkWriter<unknown>> => new S3JsonlSink({ uri: `s3://${bucket}/${prefix}`, client: slow.client }).open(ctx),
      deadLetter: serverlessSinks(h.deps.flow, h.deps.config, s3).deadLetter,
    };
    slow.arm();
    await runWithZombie(h, zombieSinks, slow);

    const read = async (p: string) => {
      const keys = (await listKeys(s3, bucket, p)).filter((k) => !k.includes('/.adf-pending/'));
      return Promise.all(keys.map(async (Key) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString()));
    };
    expectExactlyOnce(await read(prefix), await read(`dlq-${n}/`));
    expect(await listKeys(s3, bucket, `${prefix}.adf-pending/`)).toEqual([]); // the refused batch was dropped
  }, 60_000);
});
