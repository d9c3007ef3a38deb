/**
 * `adf dev` against the emulators (`npm run local:aws` gives every flow one queue): each flow
 * gets a split queue of its own, so `--once` neither waits out another flow's delayed messages
 * nor takes (and loses) them.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { ensureResources } from '../../../lib/aws/resources';
import { flowQueueNames } from '../../../lib/runtime/local';
import { ADF_BIN, readJsonlDir } from '../../helpers/adfCli';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { tempDir } from '../../helpers/tmp';

describe('adf dev on a queue shared with another flow', () => {
  const aws = useAwsTestEnv();
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('--once runs its flow on a queue of its own: done at once, and the other flow\'s delayed message is left where it was', async () => {
    // Arrange: the shared resources, with another flow's message delayed by 15 minutes on the shared queue
    const shared = await ensureResources(aws().clients, aws().names);
    await aws().clients.sqs.send(new SendMessageCommand({ QueueUrl: shared.queueUrl, MessageBody: JSON.stringify({ flow: 'invoices', splitId: 'x.csv', token: 0 }), DelaySeconds: 900 }));
    const data = join(tmp.dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `a-${i}` })).join('\n') + '\n');
    const out = join(tmp.dir, 'out');
    const flow = { name: 'orders', source: 'file', path: data, sink: 'jsonl', out, deadLetter: join(tmp.dir, 'dead') };

    // Act
    const started = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, [ADF_BIN, 'dev', '--once', '--flow-json', JSON.stringify(flow), '--quiet'], {
      timeout: 90_000,
      env: { ...process.env, ...aws().environment, ADF_SPLIT_TABLE: shared.tableName, ADF_SPLIT_QUEUE_URL: shared.queueUrl, ADF_DLQ_URL: shared.dlqUrl },
    });
    const tookMs = Date.now() - started;

    // Assert: its records, quickly (not after the other flow's 15-minute delay), and the other message untouched
    expect(readJsonlDir(out)).toHaveLength(20);
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ errors: 0, timeouts: 0 });
    expect(tookMs).toBeLessThan(60_000);
    const { Attributes: a = {} } = await aws().clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: shared.queueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed', 'ApproximateNumberOfMessages'] }));
    expect(Number(a.ApproximateNumberOfMessagesDelayed) + Number(a.ApproximateNumberOfMessages)).toBe(1);
    expect(flowQueueNames(shared.queueUrl, shared.dlqUrl, 'orders')).toEqual({ queueName: `${aws().names.queueName}-orders`, dlqName: `${aws().names.dlqName}-orders` });
  }, 120_000);
});

describe('flowQueueNames', () => {
  const base = 'http://sqs.us-east-1.localhost:4566/000000000000/adf-splits';
  const dlq = `${base}-dlq`;

  it('names a queue per flow, distinct for flow names that clean up alike, and within 80 characters', () => {
    const names = ['orders', 'a.b', 'a_b', 'x'.repeat(200), `${'x'.repeat(200)}y`].map((f) => flowQueueNames(base, dlq, f).queueName);
    expect(names[0]).toBe('adf-splits-orders');
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});
