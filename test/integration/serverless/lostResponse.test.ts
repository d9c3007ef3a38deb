/**
 * A reader whose commit response is lost (the server applied it, the SDK retried, the retry
 * failed its condition) must carry on as committed: continuation sent, nothing reported as
 * fenced, the split not left waiting for the failure handler. Likewise a lost claim response
 * must not strand the split for a lease. Faults: lostResponses middleware on a real DynamoDB
 * client, against DynamoDB Local (ALL_OLD) and dynalite (read-back).
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createDocumentClient, createDynamoDbClient } from '../../../lib/aws/clients';
import { DynamoSplitStore } from '../../../lib/coordination/DynamoSplitStore';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import { defineFlow } from '../../../lib/flow/Flow';
import { functionSink } from '../../../lib/sinks';
import { fileSource } from '../../../lib/sources/file';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { processSplitMessage } from '../../../lib/runtime/serverless/ReaderInvocation';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { loseResponses } from '../../helpers/lostResponses';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';

const isCommit = (name: string, input: unknown) => name.startsWith('UpdateItem') && /#records = #records \+ :records/.test(String((input as { UpdateExpression?: string }).UpdateExpression));
const isClaim = (name: string, input: unknown) => name.startsWith('UpdateItem') && /#leaseToken = #leaseToken \+ :one, #leaseExpiresAt/.test(String((input as { UpdateExpression?: string }).UpdateExpression));

describe.each(['dynamodb-local', 'dynalite'] as const)('serverless reader with lost DynamoDB responses (%s)', (dynamodb) => {
  const aws = useAwsTestEnv({ dynamodb });
  let tmp: ReturnType<typeof tempDir>;
  let flows = 0;
  beforeAll(() => {
    tmp = tempDir();
    writeFileSync(join(tmp.dir, 'a.csv'), 'id\n1\n2\n3\n');
  });
  afterAll(() => tmp.cleanup());

  async function setup() {
    const written: string[] = [];
    const name = `lost-${dynamodb}-${++flows}`;
    const flow = defineFlow({ name, source: fileSource({ path: join(tmp.dir, 'a.csv') }), sink: functionSink((records) => { written.push(...records.map((r) => r.id)); }), deadLetterDir: join(tmp.dir, `dl-${name}`) });
    const h = await serverlessHarness(aws(), flow, { batchSize: 2, maxBatchesPerInvocation: 1 });
    const client = createDynamoDbClient({ region: aws().region, endpoints: aws().endpoints, credentials: aws().credentials, maxAttempts: 3 });
    const loss = loseResponses(client);
    const store = new DynamoSplitStore({ client: createDocumentClient(client), tableName: h.deps.config.tableName, flow: name, finishedTtlDays: 0 });
    const deps = { ...h.deps, store };
    await runEnumerator(deps);
    const [message] = await h.takeMessages();
    return { h, deps, loss, message: message!, written, destroy: () => client.destroy() };
  }

  it('a commit whose response was lost counts as committed: the continuation is sent and the split goes on', async () => {
    const { h, deps, loss, message, written, destroy } = await setup();
    try {
      // Act
      loss.loseNext(1, isCommit);
      const outcome = await processSplitMessage(deps, message, { owner: 'r0', remainingMs: () => 60_000 });

      // Assert
      expect(loss.lost).toBe(1);
      expect(outcome).toBe('committed');
      expect(await deps.store.get('a.csv')).toMatchObject({ status: SplitStatus.PENDING, records: 2, leaseToken: 1 });
      expect(await h.takeMessages()).toEqual([{ flow: deps.flow.name, splitId: 'a.csv', token: 1 }]);
      expect(written).toHaveLength(2);
    } finally {
      destroy();
    }
  });

  it('a claim whose response was lost is still this reader\'s: the batch is read and committed, no attempt lost', async () => {
    const { deps, loss, message, destroy } = await setup();
    try {
      loss.loseNext(1, isClaim);
      expect(await processSplitMessage(deps, message, { owner: 'r0', remainingMs: () => 60_000 })).toBe('committed');
      expect(loss.lost).toBe(1);
      expect(await deps.store.get('a.csv')).toMatchObject({ status: SplitStatus.PENDING, records: 2, attempts: 0, leaseToken: 1 });
    } finally {
      destroy();
    }
  });
});
