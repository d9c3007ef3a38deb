import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ensureBucket } from '../../../lib/aws/resources';
import { defineFlow } from '../../../lib/flow/Flow';
import { createLambdaContext } from '../../../lib/runtime/local/LambdaContextFactory';
import { createEnumeratorHandler } from '../../../lib/runtime/serverless/handlers';
import { functionSink } from '../../../lib/sinks';
import { fileSource } from '../../../lib/sources/file';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';

/**
 * Runs started by events, through the enumerator handler as Lambda calls it: a schedule
 * discovers the prefix; an S3 ObjectCreated notification (direct, via SQS, via EventBridge)
 * creates the splits of just the objects it names; test events and foreign keys change nothing.
 */
describe('enumerator handler, event-triggered runs', () => {
  const aws = useAwsTestEnv();
  const context = () => createLambdaContext({ functionName: 'enumerator', timeoutMs: 60_000, region: aws().region });
  const created = (bucket: string, key: string) => ({
    Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%20/g, '+'), size: 1 } } }],
  });

  it('discovers on a schedule, then ingests exactly the object an S3 event names', async () => {
    const env = aws();
    Object.assign(process.env, env.environment); // the source's S3 client comes from the environment, as on Lambda
    const bucket = `${env.names.bucket}-trigger`;
    await ensureBucket(env.clients.s3, bucket);
    const put = (key: string, body: string) => env.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    await put('incoming/a.jsonl', '{"n":1}\n{"n":2}\n');
    await put('incoming/b.csv', 'n\n3\n');
    await put('elsewhere/x.jsonl', '{"n":99}\n');

    const seen: string[] = [];
    const tmp = tempDir();
    const flow = defineFlow({
      name: 'trigger',
      source: fileSource({ path: `s3://${bucket}/incoming/` }),
      sink: functionSink((records) => void seen.push(...records.map((r) => r.id))),
      deadLetterDir: tmp.dir,
    });
    const h = await serverlessHarness(env, flow);
    const handler = createEnumeratorHandler(() => h.deps);
    try {
      expect(await handler({ 'detail-type': 'Scheduled Event', source: 'aws.events' }, context())).toMatchObject({ created: 2 });
      await h.drain();
      expect(seen.sort()).toEqual(['a.jsonl@0', 'a.jsonl@8', 'b.csv@2']);

      await put('incoming/new file.jsonl', '{"n":4}\n');
      expect(await handler(created(bucket, 'incoming/new file.jsonl'), context())).toMatchObject({ discovered: 1, created: 1 });
      await h.drain();
      expect(seen).toContain('new file.jsonl@0');
      expect(seen).toHaveLength(4);

      // A redelivered notification, a notification via SQS and via EventBridge for the same object: nothing new.
      expect(await handler(created(bucket, 'incoming/new file.jsonl'), context())).toMatchObject({ created: 0 });
      const viaSqs = { Records: [{ eventSource: 'aws:sqs', body: JSON.stringify(created(bucket, 'incoming/new file.jsonl')) }] };
      expect(await handler(viaSqs, context())).toMatchObject({ discovered: 1, created: 0 });
      const viaBridge = { source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: bucket }, object: { key: 'incoming/new file.jsonl' } } };
      expect(await handler(viaBridge, context())).toMatchObject({ discovered: 1, created: 0 });

      // The test event S3 sends when a notification is configured, and keys outside the prefix: ignored, no discovery.
      expect(await handler({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: bucket }, context())).toMatchObject({ discovered: 0, created: 0 });
      expect(await handler(created(bucket, 'elsewhere/x.jsonl'), context())).toMatchObject({ discovered: 0, created: 0 });
      expect(await h.drain()).toEqual([]);
      expect(seen).toHaveLength(4);
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses a manual invoke for another flow, naming both', async () => {
    const env = aws();
    const tmp = tempDir();
    const flow = defineFlow({ name: 'mine', source: fileSource({ path: tmp.dir }), sink: functionSink(() => undefined), deadLetterDir: tmp.dir });
    const h = await serverlessHarness(env, flow);
    try {
      await expect(createEnumeratorHandler(() => h.deps)({ flow: 'theirs' }, context())).rejects.toThrow('this enumerator runs flow "mine", not "theirs"');
    } finally {
      tmp.cleanup();
    }
  });
});
