/**
 * The failure handler's stale-PENDING pass under a backlog: splits whose messages wait in the
 * queue (readers busy elsewhere) look stale after orphanAfterMs. They get one re-sent message
 * per token, not one more on every run, which would multiply the backlog; a split whose
 * message is really gone is still recovered.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import { defineFlow } from '../../../lib/flow/Flow';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { runFailureHandler } from '../../../lib/runtime/serverless/FailureHandlerRun';
import { jsonlSink } from '../../../lib/sinks/JsonlFileSink';
import { fileSource } from '../../../lib/sources/file';
import { readJsonlDir } from '../../helpers/adfCli';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';

const FILES = 12;

describe('stale PENDING splits behind a backlog', () => {
  const aws = useAwsTestEnv();
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  let flows = 0;

  const flowOver = (files: number) => {
    const n = ++flows;
    const data = join(tmp.dir, `data-${n}`);
    mkdirSync(data);
    for (let f = 0; f < files; f++) writeFileSync(join(data, `f${f}.jsonl`), Array.from({ length: 3 }, (_, i) => JSON.stringify({ id: `${f}-${i}` })).join('\n') + '\n');
    const out = join(tmp.dir, `out-${n}`);
    return { out, flow: defineFlow({ name: `backlog-${n}`, source: fileSource({ path: data }), sink: jsonlSink({ dir: out }), deadLetterDir: join(tmp.dir, `dlq-${n}`) }) };
  };
  const onQueue = async (queueUrl: string) => {
    const { Attributes: a = {} } = await aws().clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
    );
    return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible) + Number(a.ApproximateNumberOfMessagesDelayed);
  };

  it('re-sends each waiting split once per token, not on every run', async () => {
    // Arrange: FILES splits, their messages waiting in the queue, no reader polling
    const { out, flow } = flowOver(FILES);
    const h = await serverlessHarness(aws(), flow);
    await runEnumerator(h.deps);
    expect(await onQueue(h.queueUrl)).toBe(FILES);
    const orphan = h.deps.config.orphanAfterMs;

    // Act: three failure-handler runs, each after the splits look stale again
    const first = await runFailureHandler(h.deps, Date.now() + orphan + 1);
    const second = await runFailureHandler(h.deps, Date.now() + 2 * orphan + 2);
    const third = await runFailureHandler(h.deps, Date.now() + 3 * orphan + 3);

    // Assert: one extra message per split at most, however long the backlog lasts
    expect([first.resent, second.resent, third.resent]).toEqual([FILES, 0, 0]);
    expect(await onQueue(h.queueUrl)).toBe(2 * FILES);
    await h.drain();
    expect(readJsonlDir(out)).toHaveLength(3 * FILES);
    for (let f = 0; f < FILES; f++) expect(await h.deps.store.get(`f${f}.jsonl`)).toMatchObject({ status: SplitStatus.FINISHED });
  }, 60_000);

  it('still re-sends a split whose re-sent message was lost too, once the queue is empty', async () => {
    // Arrange: one split whose message, and then its re-sent message, vanish
    const { out, flow } = flowOver(1);
    const h = await serverlessHarness(aws(), flow);
    await runEnumerator(h.deps);
    await h.takeMessages();
    const orphan = h.deps.config.orphanAfterMs;
    expect(await runFailureHandler(h.deps, Date.now() + orphan + 1)).toMatchObject({ resent: 1 });
    expect(await h.takeMessages()).toHaveLength(1);

    // Act: the queue is empty, the split still PENDING at the same token
    const again = await runFailureHandler(h.deps, Date.now() + 2 * orphan + 2);
    await h.drain();

    // Assert
    expect(again).toMatchObject({ resent: 1 });
    expect(readJsonlDir(out)).toHaveLength(3);
    expect(await h.deps.store.get('f0.jsonl')).toMatchObject({ status: SplitStatus.FINISHED });
  }, 60_000);
});
