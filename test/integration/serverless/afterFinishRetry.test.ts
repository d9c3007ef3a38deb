import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClients } from '../../../lib/aws/clients';
import { ensureBucket } from '../../../lib/aws/resources';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import { defineFlow } from '../../../lib/flow/Flow';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { runFailureHandler } from '../../../lib/runtime/serverless/FailureHandlerRun';
import { jsonlSink } from '../../../lib/sinks/JsonlFileSink';
import { FileSource, type FileSourceOptions } from '../../../lib/sources/file';
import { readJsonlDir } from '../../helpers/adfCli';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';
import { objectExists, putObject } from '../file/s3Objects';

/**
 * afterFinish delete/move on the serverless runtime, when the action fails (on AWS: a reader
 * role without s3:DeleteObject). A FINISHED row may expire only once its file is gone: a row
 * that expired while the file stayed would make the next discovery ingest the file again.
 */
const jsonl = (tag: string, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `${tag}-${i}` })).join('\n') + '\n';

describe('serverless afterFinish that fails', () => {
  const aws = useAwsTestEnv();
  let tmp: ReturnType<typeof tempDir>;
  let bucket: string;
  let flows = 0;
  /** An S3 client of its own whose DeleteObject answers AccessDenied while `denied` holds. */
  let s3: ReturnType<typeof createAwsClients>['s3'];
  let denied = true;

  beforeAll(async () => {
    tmp = tempDir();
    bucket = aws().names.bucket;
    await ensureBucket(aws().clients.s3, bucket);
    s3 = createAwsClients({ region: aws().region, endpoints: aws().endpoints, credentials: aws().credentials }).s3;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (denied && context.commandName === 'DeleteObjectCommand') {
          throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'denyDeleteObject' },
    );
  });
  afterAll(() => {
    s3.destroy();
    tmp.cleanup();
  });

  const flowOf = (options: Omit<FileSourceOptions, 's3Client'>) => {
    const n = ++flows;
    const out = join(tmp.dir, `out-${n}`);
    const source = new FileSource({ ...options, s3Client: s3 }, () => undefined);
    return { out, flow: defineFlow({ name: `after-finish-${n}`, source, sink: jsonlSink({ dir: out }), deadLetterDir: join(tmp.dir, `dlq-${n}`) }) };
  };
  const rawRow = async (flow: string, splitId: string) =>
    (await aws().clients.documents.send(new GetCommand({ TableName: aws().names.tableName, Key: { pk: `FLOW#${flow}`, sk: `SPLIT#${splitId}` }, ConsistentRead: true }))).Item;

  it('keeps the row without a TTL and the action pending when the action fails; the failure handler retries it, then sets the TTL', async () => {
    // Arrange: a file whose delete is refused
    denied = true;
    await putObject(aws().clients.s3, bucket, 'af1/a.jsonl', jsonl('a', 5));
    const { out, flow } = flowOf({ path: `s3://${bucket}/af1/`, afterFinish: 'delete' });
    const h = await serverlessHarness(aws(), flow);
    await runEnumerator(h.deps);

    // Act: the reader finishes the split; the delete fails
    await h.drain();
    const afterReader = await rawRow(flow.name, 'a.jsonl');

    // Assert: FINISHED, the file in place, no TTL, the action pending with its error
    expect(readJsonlDir(out)).toHaveLength(5);
    expect(await objectExists(aws().clients.s3, bucket, 'af1/a.jsonl')).toBe(true);
    expect(afterReader).toMatchObject({ status: SplitStatus.FINISHED, afterFinish: 'PENDING', afterFinishError: expect.stringContaining('Access Denied') });
    expect(afterReader!.ttl).toBeUndefined();
    expect(await h.deps.store.get('a.jsonl')).toMatchObject({ afterFinishPending: true });

    // Act: the failure handler, still denied, later: the row stays pending and keeps no TTL
    const later = Date.now() + h.deps.config.orphanAfterMs + 1_000;
    const stillDenied = await runFailureHandler(h.deps, later);
    expect(stillDenied).toMatchObject({ afterFinishDone: 0, afterFinishFailed: 1 });
    expect((await rawRow(flow.name, 'a.jsonl'))!.ttl).toBeUndefined();
    // A row just tried is not tried again at once (it moved to the back of the index).
    expect(await runFailureHandler(h.deps, Date.now() + h.deps.config.orphanAfterMs - 5_000)).toMatchObject({ afterFinishDone: 0, afterFinishFailed: 0 });

    // Act: the permission granted, the failure handler's next try
    denied = false;
    const granted = await runFailureHandler(h.deps, Date.now() + 2 * h.deps.config.orphanAfterMs + 2_000);
    const settled = await rawRow(flow.name, 'a.jsonl');

    // Assert: the file is gone, and only now the row gets its TTL and leaves the index
    expect(granted).toMatchObject({ afterFinishDone: 1, afterFinishFailed: 0 });
    expect(await objectExists(aws().clients.s3, bucket, 'af1/a.jsonl')).toBe(false);
    expect(settled).toMatchObject({ status: SplitStatus.FINISHED, ttl: expect.any(Number) });
    expect(settled).not.toHaveProperty('afterFinish');
    expect(settled).not.toHaveProperty('afterFinishError');
    expect(settled).not.toHaveProperty('gsi1pk');
    expect(await runFailureHandler(h.deps, Date.now() + 3 * h.deps.config.orphanAfterMs)).toMatchObject({ afterFinishDone: 0, afterFinishFailed: 0 });
  }, 60_000);

  it('sets the TTL at once when the action succeeds, and on every range of a file only once the file is gone', async () => {
    // Arrange: one file in several byte ranges, delete allowed
    denied = false;
    const body = jsonl('b', 200);
    await putObject(aws().clients.s3, bucket, 'af2/big.jsonl', body);
    const { out, flow } = flowOf({ path: `s3://${bucket}/af2/`, afterFinish: 'delete', splitSize: 1024 });
    const h = await serverlessHarness(aws(), flow, { batchSize: 1_000 });
    const { created } = await runEnumerator(h.deps);
    expect(created).toBeGreaterThan(2);

    // Act
    await h.drain();
    const rows = await Promise.all(Array.from({ length: created }, (_, i) => rawRow(flow.name, `big.jsonl#${i}`)));

    // Assert: the file is gone; ranges that finished before the last one wait (no TTL yet) ...
    expect(readJsonlDir(out)).toHaveLength(200);
    expect(await objectExists(aws().clients.s3, bucket, 'af2/big.jsonl')).toBe(false);
    expect(rows.every((r) => r?.status === SplitStatus.FINISHED)).toBe(true);
    expect(rows.filter((r) => r!.ttl !== undefined).length).toBeGreaterThanOrEqual(1);
    // ... and the failure handler settles them all, the file being gone
    await runFailureHandler(h.deps, Date.now() + h.deps.config.orphanAfterMs + 1_000);
    const after = await Promise.all(Array.from({ length: created }, (_, i) => rawRow(flow.name, `big.jsonl#${i}`)));
    expect(after.map((r) => [r!.ttl !== undefined, r!.afterFinish])).toEqual(Array(created).fill([true, undefined]));
  }, 60_000);
});
