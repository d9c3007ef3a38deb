import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClients } from '../../../lib/aws/clients';
import { ensureBucket } from '../../../lib/aws/resources';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import type { SplitMessage } from '../../../lib/coordination/SplitQueue';
import { defineFlow } from '../../../lib/flow/Flow';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { processSplitMessage } from '../../../lib/runtime/serverless/ReaderInvocation';
import { functionSink, jsonlSink } from '../../../lib/sinks';
import { FileSource } from '../../../lib/sources/file';
import { rafkaSource } from '../../../lib/sources/rafka';
import { readJsonlDir } from '../../helpers/adfCli';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { produce } from '../../helpers/redisTopic';
import { serverlessHarness, type ServerlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';
import { putObject } from '../file/s3Objects';

/**
 * Split rows written straight into DynamoDB by someone who may write the table (any of the
 * three function roles, an operator): each names something that is not the source's. The real
 * reader invocation must refuse every one before it opens anything (no GetObject reaches
 * fauxqs, the source's store opens no range, no record or dead letter is written), and the
 * split ends FAILED with the reason, at the first attempt (issue 10 item 1).
 */
const jsonl = (tag: string) => `${JSON.stringify({ id: tag })}\n`;
const redis = useRedisServer();

describe('tampered split rows on the serverless reader', () => {
  const aws = useAwsTestEnv();
  let tmp: ReturnType<typeof tempDir>;
  let bucket: string;
  let s3: ReturnType<typeof createAwsClients>['s3'];
  let gets: string[] = [];
  let flows = 0;

  beforeAll(async () => {
    tmp = tempDir();
    bucket = aws().names.bucket;
    await ensureBucket(aws().clients.s3, bucket);
    await ensureBucket(aws().clients.s3, `${bucket}-other`);
    s3 = createAwsClients({ region: aws().region, endpoints: aws().endpoints, credentials: aws().credentials }).s3;
    // Every object read the source makes, as it leaves for fauxqs.
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand') gets.push(JSON.stringify(args.input));
        return next(args);
      },
      { step: 'initialize', name: 'countGetObject' },
    );
  });
  afterAll(() => {
    s3.destroy();
    tmp.cleanup();
  });

  /** Rewrites the row's split to name `path` (with `fileId` when given; the etag dropped, so nothing pins the read). */
  const tamper = (flow: string, splitId: string, path: string, fileId = splitId) =>
    aws().clients.documents.send(
      new UpdateCommand({
        TableName: aws().names.tableName,
        Key: { pk: `FLOW#${flow}`, sk: `SPLIT#${splitId}` },
        UpdateExpression: 'SET #split.#data.#path = :path, #split.#data.#fileId = :fileId REMOVE #split.#data.#etag',
        ExpressionAttributeNames: { '#split': 'split', '#data': 'data', '#path': 'path', '#fileId': 'fileId', '#etag': 'etag' },
        ExpressionAttributeValues: { ':path': path, ':fileId': fileId },
      }),
    );

  /** A file flow with one legitimate split per case, enumerated; returns its messages by split id. */
  async function fileFlow(path: string, files: string[], put: (name: string) => Promise<void>) {
    const n = ++flows;
    for (const f of files) await put(f);
    const source = new FileSource({ path, s3Client: s3 }, () => undefined);
    const out = join(tmp.dir, `out-${n}`);
    const dead = join(tmp.dir, `dead-${n}`);
    const h = await serverlessHarness(aws(), defineFlow({ name: `tampered-${n}`, source, sink: jsonlSink({ dir: out }), deadLetterDir: dead }));
    await runEnumerator(h.deps);
    const messages = new Map<string, SplitMessage>();
    for (let i = 0; i < 5 && messages.size < files.length; i++) for (const m of await h.takeMessages()) messages.set(m.splitId, m);
    expect([...messages.keys()].sort()).toEqual([...files].sort());
    const opened = jest.spyOn(source.store, 'openRange');
    return { h, messages, opened, out, dead };
  }

  async function expectRefused(h: ServerlessHarness, message: SplitMessage, reason: RegExp) {
    expect(await processSplitMessage(h.deps, message, { owner: 'r0', remainingMs: () => 60_000 })).toBe('failed');
    const row = await h.deps.store.get(message.splitId);
    expect(row).toMatchObject({ status: SplitStatus.FAILED, attempts: 1 });
    expect(row!.lastError).toMatch(/refused, never read/);
    expect(row!.lastError).toMatch(reason);
  }

  it('an S3 source refuses another bucket, another prefix, its own out/ prefix, a .. key and local paths, reading none of them', async () => {
    const root = `s3://${bucket}/t1/incoming/`;
    await putObject(aws().clients.s3, `${bucket}-other`, 'secret.jsonl', jsonl('other-bucket'));
    await putObject(aws().clients.s3, bucket, 't1/secret/s.jsonl', jsonl('other-prefix'));
    await putObject(aws().clients.s3, bucket, 't1/out/part-0.jsonl', jsonl('own-output'));
    writeFileSync(join(tmp.dir, 'local-secret.jsonl'), jsonl('local-file'));
    const cases: [string, string, RegExp][] = [
      ['a.jsonl', `s3://${bucket}-other/secret.jsonl`, /outside the source/],
      ['b.jsonl', `s3://${bucket}/t1/secret/s.jsonl`, /outside the source/],
      ['c.jsonl', `s3://${bucket}/t1/out/part-0.jsonl`, /outside the source/],
      ['d.jsonl', `s3://${bucket}/t1/incoming/../secret/s.jsonl`, /not a file discovery lists/],
      ['e.jsonl', join(tmp.dir, 'local-secret.jsonl'), /not of the source's kind/],
      ['f.jsonl', '/proc/self/environ', /not of the source's kind/],
    ];
    const { h, messages, opened, out, dead } = await fileFlow(root, cases.map(([id]) => id), (f) => putObject(aws().clients.s3, bucket, `t1/incoming/${f}`, jsonl(f)).then(() => undefined));
    gets = [];

    for (const [splitId, path, reason] of cases) {
      await tamper(h.deps.flow.name, splitId, path);
      await expectRefused(h, messages.get(splitId)!, reason);
    }

    expect(gets).toEqual([]);
    expect(opened).not.toHaveBeenCalled();
    expect(readJsonlDir(out)).toEqual([]);
    expect(readJsonlDir(dead)).toEqual([]);
  });

  it("a local source refuses a file outside its root, a '..' path, a link out of the root and /proc/self/environ, reading none of them", async () => {
    const root = join(tmp.dir, 'in');
    mkdirSync(root);
    writeFileSync(join(tmp.dir, 'secret.jsonl'), jsonl('secret'));
    const cases: [string, string, RegExp, string?][] = [
      ['a.jsonl', join(tmp.dir, 'secret.jsonl'), /outside the source/],
      ['b.jsonl', `${root}/../secret.jsonl`, /normalised absolute path/],
      ['c.jsonl', join(root, 'link.jsonl'), /outside the source root/, 'link.jsonl'],
      ['d.jsonl', '/proc/self/environ', /outside the source/],
      ['e.jsonl', `s3://${bucket}/t1/out/part-0.jsonl`, /not of the source's kind/],
    ];
    const { h, messages, opened, out, dead } = await fileFlow(root, cases.map(([id]) => id), async (f) => writeFileSync(join(root, f), jsonl(f)));
    // Planted after discovery, where a reader would follow it: a link in the root to a file outside.
    symlinkSync(join(tmp.dir, 'secret.jsonl'), join(root, 'link.jsonl'));
    gets = [];

    for (const [splitId, path, reason, fileId] of cases) {
      await tamper(h.deps.flow.name, splitId, path, fileId);
      await expectRefused(h, messages.get(splitId)!, reason);
    }

    expect(opened).not.toHaveBeenCalled();
    expect(gets).toEqual([]);
    expect(readJsonlDir(out)).toEqual([]);
    expect(readJsonlDir(dead)).toEqual([]);
  });

  it("a Rafka source refuses a stream key its keyPattern does not give, consuming nothing from that stream", async () => {
    const topic = `tamper-${++flows}`;
    await produce(redis.client, `${topic}:0`, 3);
    await produce(redis.client, 'sessions:secret', 3);
    const written: unknown[] = [];
    const source = rafkaSource({ url: redis.url, topic, partitions: 1, until: 'latest', group: topic });
    const h = await serverlessHarness(aws(), defineFlow({ name: topic, source, sink: functionSink(async (records) => void written.push(...records)) }));
    await runEnumerator(h.deps);
    const [message] = await h.takeMessages();
    await aws().clients.documents.send(
      new UpdateCommand({
        TableName: aws().names.tableName,
        Key: { pk: `FLOW#${topic}`, sk: `SPLIT#${message!.splitId}` },
        UpdateExpression: 'SET #split.#data.#key = :key',
        ExpressionAttributeNames: { '#split': 'split', '#data': 'data', '#key': 'streamKey' },
        ExpressionAttributeValues: { ':key': 'sessions:secret' },
      }),
    );

    await expectRefused(h, message!, /does not match keyPattern/);

    expect(written).toEqual([]);
    // No consumer group was ever created on the foreign stream: nothing read it.
    expect(await redis.client.xinfo('GROUPS', 'sessions:secret')).toEqual([]);
  });
});
