/**
 * Ambiguous responses: a write the server applied whose response was lost, so the SDK sent it
 * again and the retry failed its condition. The store must recognise its own write and answer
 * as if the first response had arrived (not "fenced, nothing committed", not "not claimable").
 * On DynamoDB Local (ReturnValuesOnConditionCheckFailure) and dynalite (read-back fallback).
 */
import { DYNAMODB_BACKENDS } from '../../../lib/aws/emulators';
import { createDocumentClient, createDynamoDbClient } from '../../../lib/aws/clients';
import { ensureSplitTable } from '../../../lib/aws/resources';
import { DynamoSplitStore } from '../../../lib/coordination/DynamoSplitStore';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { loseResponses, type ResponseLoss } from '../../helpers/lostResponses';
import { testSplit } from '../../helpers/splitStoreContract';

let flows = 0;
const writes = (name: string) => /^(UpdateItem|PutItem)/.test(name);

describe.each(DYNAMODB_BACKENDS)('DynamoSplitStore on %s: lost responses', (dynamodb) => {
  const aws = useAwsTestEnv({ dynamodb });
  let client: ReturnType<typeof createDynamoDbClient>;
  let loss: ResponseLoss;
  let now: number;
  let store: DynamoSplitStore;
  beforeAll(async () => {
    await ensureSplitTable(aws().clients.dynamodb, aws().names.tableName);
    client = createDynamoDbClient({ region: aws().region, endpoints: aws().endpoints, credentials: aws().credentials, maxAttempts: 3 });
    loss = loseResponses(client);
  });
  afterAll(() => client?.destroy());
  beforeEach(async () => {
    now = 1_700_000_000_000;
    store = new DynamoSplitStore({ client: createDocumentClient(client), tableName: aws().names.tableName, flow: `lost-${++flows}`, clock: () => now });
    await store.createSplits([testSplit('a')]);
  });
  afterEach(() => loss.disarm());

  it('reports a released commit as committed when its response was lost', async () => {
    // Arrange
    const { lease } = (await store.claim('a', 'r0', 60_000, 0))!;
    loss.loseNext(1, writes);

    // Act
    const row = await store.commit(lease, { split: testSplit('a', 7), sinkState: { bytes: 7 }, finished: false, release: true, records: 7, badRecords: 0 });

    // Assert
    expect(loss.lost).toBeGreaterThan(0);
    expect(row).toMatchObject({ status: SplitStatus.PENDING, leaseToken: 1, records: 7, split: testSplit('a', 7) });
    expect(await store.get('a')).toEqual(row);
  });

  it('applies a kept-lease commit once when its response was lost (no double count)', async () => {
    // Arrange
    const { lease } = (await store.claim('a', 'r0', 60_000))!;
    loss.loseNext(1, writes);

    // Act
    await store.commit(lease, { split: testSplit('a', 5), finished: false, records: 5, badRecords: 1 });

    // Assert
    expect(await store.get('a')).toMatchObject({ status: SplitStatus.ASSIGNED, records: 5, badRecords: 1, leaseToken: 1 });
  });

  it('reports a FINISHED commit as committed when its response was lost', async () => {
    const { lease } = (await store.claim('a', 'r0', 60_000, 0))!;
    loss.loseNext(1, writes);
    await expect(store.commit(lease, { split: testSplit('a', 9), finished: true, release: true, records: 9, badRecords: 0 })).resolves.toMatchObject({ status: SplitStatus.FINISHED });
  });

  it('grants a claim whose response was lost, with the lease it took (one token, no lost attempt)', async () => {
    // Arrange
    loss.loseNext(1, writes);

    // Act
    const claimed = await store.claim('a', 'r0', 60_000, 0);

    // Assert
    expect(claimed?.lease).toEqual({ splitId: 'a', owner: 'r0', token: 1, expiresAt: now + 60_000 });
    expect(await store.get('a')).toMatchObject({ status: SplitStatus.ASSIGNED, leaseOwner: 'r0', leaseToken: 1 });
  });

  it('still refuses a claim that someone else won', async () => {
    await store.claim('a', 'r0', 60_000, 0);
    loss.loseNext(1, writes);
    expect(await store.claim('a', 'r1', 60_000)).toBeUndefined();
  });

  it('still fences a commit whose lease was taken over, response lost or not', async () => {
    const first = (await store.claim('a', 'r0', -1))!;
    await store.claim('a', 'r1', 60_000);
    loss.loseNext(1, writes);
    await expect(store.commit(first.lease, { split: testSplit('a', 1), finished: false, records: 1, badRecords: 0 })).rejects.toThrow(/taken over/);
  });

  it('reports a release and a failure as done when their responses were lost', async () => {
    // Arrange
    const { lease } = (await store.claim('a', 'r0', 60_000))!;
    loss.loseNext(1, writes);

    // Act
    const pending = await store.release(lease, 'boom', 2);
    const again = (await store.claim('a', 'r0', 60_000))!;
    loss.loseNext(1, writes);
    const failed = await store.release(again.lease, 'boom', 2);

    // Assert
    expect(pending).toMatchObject({ status: SplitStatus.PENDING, attempts: 1 });
    expect(failed).toMatchObject({ status: SplitStatus.FAILED, attempts: 2 });
  });

  it('counts a split created with a lost response as created', async () => {
    loss.loseNext(1, writes);
    expect(await store.createSplits([testSplit('b')])).toEqual([testSplit('b')]);
  });
});
