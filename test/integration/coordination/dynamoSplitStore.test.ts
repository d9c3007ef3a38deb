/**
 * DynamoSplitStore against real DynamoDB wire protocol: the shared SplitStore contract, then
 * what only the serverless store does (index queries, reclaim, fencing under concurrency,
 * paging, long ids, the stored row layout). Runs on DynamoDB Local and dynalite, or on
 * LocalStack with ADF_TEST_AWS=localstack.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DYNAMODB_BACKENDS } from '../../../lib/aws/emulators';
import { ensureSplitTable } from '../../../lib/aws/resources';
import { statusIndexSortKey } from '../../../lib/aws/splitTable';
import { DynamoSplitStore, LEASE_EXPIRED_ERROR, type DynamoSplitStoreOptions } from '../../../lib/coordination/aws';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import type { SplitRow } from '../../../lib/coordination/SplitStore';
import { AdfError, ConfigError, FencedOffError, RetryableError } from '../../../lib/errors';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { describeSplitStoreContract, testSplit } from '../../helpers/splitStoreContract';

const LIVE_MS = 60_000;
let flows = 0;

async function collect(rows: AsyncIterable<SplitRow>): Promise<SplitRow[]> {
  const all: SplitRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

describe.each(DYNAMODB_BACKENDS)('DynamoSplitStore (DynamoDB: %s)', (dynamodb) => {
  const aws = useAwsTestEnv({ dynamodb });
  beforeAll(async () => {
    await ensureSplitTable(aws().clients.dynamodb, aws().names.tableName);
  });

  /** A store for a flow no other test uses, on the shared table. */
  const newStore = (options: Partial<DynamoSplitStoreOptions> = {}) =>
    new DynamoSplitStore({ client: aws().clients.documents, tableName: aws().names.tableName, flow: `flow-${++flows}`, ...options });

  // A small page size, so the contract's listing runs over several Query pages.
  describeSplitStoreContract(`DynamoSplitStore on ${dynamodb}`, async () => ({ store: newStore({ pageSize: 7 }), cleanup: async () => undefined }));

  describe('failure-handler queries', () => {
    let now: number;
    let store: DynamoSplitStore;
    beforeEach(() => {
      now = 1_700_000_000_000;
      store = newStore({ clock: () => now });
    });

    it('lists expired leases, oldest expiry first, up to the limit', async () => {
      // Arrange
      await store.createSplits(['a', 'b', 'c', 'd'].map((id) => testSplit(id)));
      await store.claim('b', 'r0', 500); // expires now + 500
      await store.claim('a', 'r0', 100); // expires now + 100
      const c = await store.claim('c', 'r0', 100);
      await store.commit(c!.lease, { split: testSplit('c', 1), finished: true, records: 1, badRecords: 0 });

      // Act / Assert
      expect((await collect(store.listExpiredLeases(now + 100, 10))).map((r) => r.splitId)).toEqual([]);
      expect((await collect(store.listExpiredLeases(now + 101, 10))).map((r) => r.splitId)).toEqual(['a']);
      expect((await collect(store.listExpiredLeases(now + 1000, 10))).map((r) => r.splitId)).toEqual(['a', 'b']);
      expect((await collect(store.listExpiredLeases(now + 1000, 1))).map((r) => r.splitId)).toEqual(['a']);
      expect((await collect(store.listExpiredLeases(now + 1000, 10)))[0]).toMatchObject({ status: SplitStatus.ASSIGNED, leaseOwner: 'r0', leaseToken: 1 });
    });

    it('lists PENDING splits untouched since before a time, up to the limit', async () => {
      // Arrange
      await store.createSplits([testSplit('p1'), testSplit('p2'), testSplit('gone')]);
      now += 1000;
      await store.createSplits([testSplit('p3')]);
      await store.claim('gone', 'r0', LIVE_MS);

      // Act / Assert
      expect((await collect(store.listStalePending(now, 10))).map((r) => r.splitId).sort()).toEqual(['p1', 'p2']);
      expect(await collect(store.listStalePending(now, 1))).toHaveLength(1);
      expect((await collect(store.listStalePending(now + 1, 10))).map((r) => r.splitId).sort()).toEqual(['p1', 'p2', 'p3']);
    });

    it('lists a split given back by a reader as PENDING from the time it was given back', async () => {
      // Arrange
      await store.createSplits([testSplit('a')]);
      const { lease } = (await store.claim('a', 'r0', LIVE_MS))!;
      now += 5000;
      await store.commit(lease, { split: testSplit('a', 3), finished: false, records: 1, badRecords: 0, release: true });

      // Act / Assert
      expect(await collect(store.listStalePending(now, 10))).toEqual([]);
      expect(await collect(store.listStalePending(now + 1, 10))).toEqual([expect.objectContaining({ splitId: 'a', leaseToken: 1 })]);
      expect(await collect(store.listExpiredLeases(now + 10 * LIVE_MS, 10))).toEqual([]);
    });

    it('reclaims an expired lease: PENDING, token + 1, one more attempt, the old holder fenced', async () => {
      // Arrange
      await store.createSplits([testSplit('a')]);
      const { lease } = (await store.claim('a', 'r0', 100))!;
      now += 1000;
      const [expired] = await collect(store.listExpiredLeases(now, 10));

      // Act
      const back = await store.reclaimExpired(expired!, now, 3);

      // Assert
      expect(back).toMatchObject({ status: SplitStatus.PENDING, leaseToken: 2, attempts: 1, lastError: LEASE_EXPIRED_ERROR, updatedAt: now });
      expect(back?.leaseOwner).toBeUndefined();
      expect(back?.leaseExpiresAt).toBeUndefined();
      expect(await store.reclaimExpired(expired!, now, 3)).toBeUndefined(); // someone moved it first
      await expect(store.commit(lease, { split: testSplit('a', 1), finished: false, records: 1, badRecords: 0 })).rejects.toBeInstanceOf(FencedOffError);
      expect(await store.claim('a', 'r1', LIVE_MS, 1)).toBeUndefined(); // the old chain's message is stale
      expect(await collect(store.listExpiredLeases(now, 10))).toEqual([]);
      expect((await collect(store.listStalePending(now + 1, 10))).map((r) => r.splitId)).toEqual(['a']);
      expect((await store.claim('a', 'r1', LIVE_MS, 2))?.lease.token).toBe(3);
    });

    it('fails a split whose lease expired at maxAttempts, taking it out of the index', async () => {
      // Arrange
      await store.createSplits([testSplit('a')]);
      await store.claim('a', 'r0', 100);
      now += 1000;
      const [expired] = await collect(store.listExpiredLeases(now, 10));

      // Act
      const back = await store.reclaimExpired(expired!, now, 1);

      // Assert
      expect(back).toMatchObject({ status: SplitStatus.FAILED, attempts: 1, lastError: LEASE_EXPIRED_ERROR });
      expect(await collect(store.listStalePending(now + 1, 10))).toEqual([]);
      expect(await store.claim('a', 'r1', LIVE_MS)).toBeUndefined();
    });

    it('does not reclaim a live lease, nor a row that moved on since it was listed', async () => {
      // Arrange: a failed attempt, then a claim whose holder commits after the row was listed
      await store.createSplits([testSplit('a')]);
      await store.release((await store.claim('a', 'r0', LIVE_MS))!.lease, 'boom', 5);
      const { lease, row: live } = (await store.claim('a', 'r0', 100))!;
      expect(await store.reclaimExpired(live, now, 5)).toBeUndefined(); // not expired yet
      now += 1000;
      const [listed] = await collect(store.listExpiredLeases(now, 10));
      await store.commit(lease, { split: testSplit('a', 8), finished: false, records: 2, badRecords: 0 }); // attempts → 0

      // Act
      const stale = await store.reclaimExpired(listed!, now, 5);
      const [fresh] = await collect(store.listExpiredLeases(now, 10));
      const back = await store.reclaimExpired(fresh!, now, 5);

      // Assert: counted from the committed row (0 + 1), not from the listed one (1 + 1)
      expect(stale).toBeUndefined();
      expect(back).toMatchObject({ status: SplitStatus.PENDING, attempts: 1, split: testSplit('a', 8), records: 2 });
    });

    it('touches a PENDING row so it is not stale again at once', async () => {
      // Arrange
      await store.createSplits([testSplit('a'), testSplit('b')]);
      const [a] = await collect(store.listStalePending(now + 1, 1));
      now += 5000;

      // Act
      const touched = await store.touchPending(a!);

      // Assert
      expect(touched).toBe(true);
      expect((await collect(store.listStalePending(now, 10))).map((r) => r.splitId)).toEqual(['b']);
      expect((await collect(store.listStalePending(now + 1, 10))).map((r) => r.splitId)).toEqual(['b', 'a']);
      expect(await store.claim('a', 'r0', LIVE_MS, 0)).toBeDefined(); // the token did not move
    });

    it('does not touch a row that was claimed or moved on since it was listed', async () => {
      // Arrange
      await store.createSplits([testSplit('a')]);
      const [listed] = await collect(store.listStalePending(now + 1, 10));
      const { lease } = (await store.claim('a', 'r0', LIVE_MS))!;

      // Act / Assert: ASSIGNED now
      expect(await store.touchPending(listed!)).toBe(false);
      // PENDING again, but with a newer token
      await store.commit(lease, { split: testSplit('a', 1), finished: false, records: 0, badRecords: 0, release: true });
      expect(await store.touchPending(listed!)).toBe(false);
    });

    it('counts rows by status', async () => {
      // Arrange
      await store.createSplits(['a', 'b', 'c', 'd', 'e'].map((id) => testSplit(id)));
      await store.claim('a', 'r0', LIVE_MS);
      const b = await store.claim('b', 'r0', LIVE_MS);
      await store.commit(b!.lease, { split: testSplit('b'), finished: true, records: 0, badRecords: 0 });
      const c = await store.claim('c', 'r0', LIVE_MS);
      await store.release(c!.lease, 'boom', 1);
      await store.putEnumeratorState({ cursor: 1 });

      // Act / Assert
      expect(await store.countByStatus()).toEqual({ PENDING: 2, ASSIGNED: 1, FINISHED: 1, FAILED: 1 });
      expect(await newStore().countByStatus()).toEqual({ PENDING: 0, ASSIGNED: 0, FINISHED: 0, FAILED: 0 });
    });
  });

  describe('enumerator row', () => {
    it('round-trips cursor, noMoreSplits and complete, next to the enumerator state', async () => {
      // Arrange
      const store = newStore({ clock: () => 42 });
      expect(await store.getEnumeratorRow()).toBeUndefined();

      // Act
      await store.putEnumeratorRow({ cursor: { after: 'in/0007.csv', page: 3 }, noMoreSplits: false, complete: false });
      await store.putEnumeratorState({ assigned: ['x'] });
      const first = await store.getEnumeratorRow<{ after: string; page: number }>();
      await store.putEnumeratorRow({ noMoreSplits: true, complete: true });

      // Assert
      expect(first).toEqual({ cursor: { after: 'in/0007.csv', page: 3 }, noMoreSplits: false, complete: false, updatedAt: 42 });
      expect(await store.getEnumeratorRow()).toEqual({ noMoreSplits: true, complete: true, updatedAt: 42 });
      expect(await store.getEnumeratorState()).toEqual({ assigned: ['x'] });
      expect(await collect(store.list())).toEqual([]);
    });

    it('reads a row holding only enumerator state as discovery not done', async () => {
      const store = newStore({ clock: () => 7 });
      await store.putEnumeratorState('cursor-1');
      expect(await store.getEnumeratorRow()).toEqual({ noMoreSplits: false, complete: false, updatedAt: 7 });
      expect(await store.getEnumeratorState()).toBe('cursor-1');
    });
  });

  describe('concurrency', () => {
    it('lets exactly one of 20 parallel claims of one split win', async () => {
      // Arrange
      const store = newStore();
      await store.createSplits([testSplit('a')]);

      // Act
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.claim('a', `r${i}`, LIVE_MS, 0)));

      // Assert
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect(await store.get('a')).toMatchObject({ leaseToken: 1, leaseOwner: winners[0]!.lease.owner });
    });

    it('fences all of 20 parallel commits with a lease that was taken over, and keeps all of the holder\'s', async () => {
      // Arrange
      const store = newStore();
      await store.createSplits([testSplit('a')]);
      const old = (await store.claim('a', 'r0', -1))!;
      const holder = (await store.claim('a', 'r1', LIVE_MS))!;

      // Act
      const commit = (lease: typeof old.lease, i: number) => store.commit(lease, { split: testSplit('a', i), finished: false, records: 1, badRecords: 0 });
      const stale = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => commit(old.lease, i)));
      const live = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => commit(holder.lease, i)));

      // Assert
      expect(stale.every((r) => r.status === 'rejected' && r.reason instanceof FencedOffError)).toBe(true);
      expect(live.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(await store.get('a')).toMatchObject({ records: 20, leaseToken: 2, leaseOwner: 'r1' });
    });

    it('creates a split once when two enumerators register it at the same time', async () => {
      // Arrange
      const store = newStore();
      const splits = Array.from({ length: 40 }, (_, i) => testSplit(`s${i}`));

      // Act
      const [first, second] = await Promise.all([store.createSplits(splits), store.createSplits([...splits].reverse())]);

      // Assert
      expect(first.length + second.length).toBe(40);
      expect(new Set([...first, ...second].map((s) => s.splitId)).size).toBe(40);
    });
  });

  describe('long split ids', () => {
    it('stores ids longer than a sort key can hold under a hashed key, keeping the real id', async () => {
      // Arrange: two long ids that differ only after the kept prefix, one long in UTF-8 only
      const store = newStore();
      const long = `s3://bucket/${'deep/'.repeat(300)}part-1.csv`;
      const sibling = long.replace('part-1', 'part-2');
      const wide = `é${'日本'.repeat(200)}`; // 401 characters, 1202 bytes
      const fits = 'x'.repeat(1017); // the longest id kept as it is
      const ids = [long, sibling, wide, fits];

      // Act
      const created = await store.createSplits(ids.map((id) => testSplit(id)));
      const again = await store.createSplits(ids.map((id) => testSplit(id)));
      const { lease } = (await store.claim(sibling, 'r0', LIVE_MS))!;
      await store.commit(lease, { split: testSplit(sibling, 5), finished: true, records: 5, badRecords: 0 });

      // Assert
      expect(created).toHaveLength(4);
      expect(again).toHaveLength(0);
      expect(await store.get(long)).toMatchObject({ splitId: long, status: SplitStatus.PENDING });
      expect(await store.get(sibling)).toMatchObject({ splitId: sibling, status: SplitStatus.FINISHED, split: testSplit(sibling, 5) });
      expect(await store.get(wide)).toMatchObject({ splitId: wide, split: testSplit(wide) });
      expect((await collect(store.list())).map((r) => r.splitId).sort()).toEqual([...ids].sort());
      const sortKeys = await rawSortKeys(store);
      expect(sortKeys.every((sk) => Buffer.byteLength(sk, 'utf8') <= 1024)).toBe(true);
      expect(sortKeys.filter((sk) => sk.includes('#sha256:'))).toHaveLength(3);
      expect(sortKeys).toContain(`SPLIT#${fits}`);
    });

    /** The sort keys of the store's flow, read directly. */
    async function rawSortKeys(store: DynamoSplitStore): Promise<string[]> {
      const flow = (store as unknown as { flow: string }).flow;
      const { Items } = await aws().clients.documents.send(new QueryCommand({
        TableName: aws().names.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `FLOW#${flow}` },
        ProjectionExpression: 'sk',
      }));
      return (Items ?? []).map((item) => item.sk as string);
    }
  });

  describe('paging', () => {
    it('lists 2,500 splits page by page, never asking for more than it yields', async () => {
      // Arrange
      const store = newStore({ pageSize: 100 });
      const ids = Array.from({ length: 2500 }, (_, i) => `file-${String(i).padStart(5, '0')}.csv`);
      expect(await store.createSplits(ids.map((id) => testSplit(id)))).toHaveLength(2500);
      const send = jest.spyOn(aws().clients.documents, 'send');
      const queries = () => send.mock.calls.filter(([command]) => command instanceof QueryCommand).length;

      try {
        // Act: leave after 150 rows
        const early: string[] = [];
        for await (const row of store.list()) {
          early.push(row.splitId);
          if (early.length === 150) break;
        }
        const earlyQueries = queries();
        let count = 0;
        let previous = '';
        let ordered = true;
        for await (const row of store.list()) {
          ordered &&= row.splitId > previous;
          previous = row.splitId;
          count++;
        }

        // Assert
        expect(early).toEqual(ids.slice(0, 150));
        expect(earlyQueries).toBe(2);
        expect(count).toBe(2500);
        expect(ordered).toBe(true);
        expect(queries() - earlyQueries).toBeGreaterThanOrEqual(25);
        expect(queries() - earlyQueries).toBeLessThanOrEqual(26);
        expect(await store.countByStatus()).toEqual({ PENDING: 2500, ASSIGNED: 0, FINISHED: 0, FAILED: 0 });
      } finally {
        send.mockRestore();
      }
    });
  });

  describe('stored row layout', () => {
    it('writes numbers as N, the split as a map, and index keys only while the split is live', async () => {
      // Arrange
      const now = 1_700_000_000_000;
      const store = newStore({ clock: () => now, finishedTtlDays: 2 });
      await store.createSplits([{ splitId: 'a', version: 2, data: { offset: 0, big: 2 ** 60 } }]);
      const { lease } = (await store.claim('a', 'reader-1', 1000))!;

      // Act
      const claimed = await rawItem(store, 'a');
      await store.commit(lease, { split: { splitId: 'a', version: 2, data: { offset: 9, big: 2 ** 60 } }, finished: true, sinkState: { part: 1 }, records: 3, badRecords: 1 });
      const finished = await rawItem(store, 'a');

      // Assert
      expect(claimed).toEqual({
        pk: { S: expect.stringMatching(/^FLOW#flow-\d+$/) },
        sk: { S: 'SPLIT#a' },
        splitId: { S: 'a' },
        split: { M: { splitId: { S: 'a' }, version: { N: '2' }, data: { M: { offset: { N: '0' }, big: { N: '1152921504606846976' } } } } },
        status: { S: 'ASSIGNED' },
        leaseToken: { N: '1' },
        leaseOwner: { S: 'reader-1' },
        leaseExpiresAt: { N: String(now + 1000) },
        attempts: { N: '0' },
        records: { N: '0' },
        badRecords: { N: '0' },
        updatedAt: { N: String(now) },
        gsi1pk: { S: expect.stringMatching(/^FLOW#flow-\d+#ASSIGNED$/) },
        gsi1sk: { S: statusIndexSortKey(now + 1000) },
        writeId: { S: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      });
      // A row that may expire waits for its after-finish action before it gets the TTL.
      expect(finished).toMatchObject({ status: { S: 'FINISHED' }, sinkState: { M: { part: { N: '1' } } }, records: { N: '3' }, badRecords: { N: '1' }, afterFinish: { S: 'PENDING' }, gsi1pk: { S: expect.stringMatching(/#AFTER_FINISH$/) }, gsi1sk: { S: statusIndexSortKey(now) } });
      expect(Object.keys(finished!).sort()).toEqual(['afterFinish', 'attempts', 'badRecords', 'gsi1pk', 'gsi1sk', 'leaseToken', 'pk', 'records', 'sinkState', 'sk', 'split', 'splitId', 'status', 'updatedAt', 'writeId']);
      expect(await store.settleAfterFinish('a')).toBe(true);
      const settled = await rawItem(store, 'a');
      expect(settled).toMatchObject({ ttl: { N: String(now / 1000 + 2 * 86_400) } });
      expect(Object.keys(settled!).sort()).toEqual(['attempts', 'badRecords', 'leaseToken', 'pk', 'records', 'sinkState', 'sk', 'split', 'splitId', 'status', 'ttl', 'updatedAt', 'writeId']);
      expect(await store.settleAfterFinish('a')).toBe(false);
      expect((await store.get('a'))?.split.data.big).toBe(2 ** 60); // a BigInt from the DocumentClient, read back as a number
    });

    it('reads back a row written by hand, and refuses a malformed one by naming the field', async () => {
      // Arrange
      const store = newStore();
      await store.createSplits([testSplit('a')]);
      const flow = (store as unknown as { flow: string }).flow;
      const { Item } = await aws().clients.documents.send(new GetCommand({ TableName: aws().names.tableName, Key: { pk: `FLOW#${flow}`, sk: 'SPLIT#a' } }));
      await aws().clients.documents.send(new PutCommand({ TableName: aws().names.tableName, Item: { ...Item, leaseToken: '1' } }));

      // Act / Assert
      await expect(store.get('a')).rejects.toThrow(/leaseToken must be a number \(got "1"\)/);
    });

    async function rawItem(store: DynamoSplitStore, splitId: string) {
      const flow = (store as unknown as { flow: string }).flow;
      const { Item } = await aws().clients.dynamodb.send(new GetItemCommand({ TableName: aws().names.tableName, Key: { pk: { S: `FLOW#${flow}` }, sk: { S: `SPLIT#${splitId}` } }, ConsistentRead: true }));
      return Item;
    }
  });

  describe('errors', () => {
    it('wraps a missing table once, as a non-retryable AdfError naming the table', async () => {
      const store = new DynamoSplitStore({ client: aws().clients.documents, tableName: 'adf-no-such-table', flow: 'f' });
      const error = await store.get('a').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AdfError);
      expect(error).not.toBeInstanceOf(RetryableError);
      expect((error as Error).message).toMatch(/adf-no-such-table.*ResourceNotFoundException/);
    });

    it('turns throttling that outlasted the SDK\'s retries into a RetryableError, and keeps the cause', async () => {
      // Arrange: a client that answers like DynamoDB under sustained throttling
      const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ProvisionedThroughputExceededException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
      const client = { send: async () => Promise.reject(throttled) } as unknown as DynamoSplitStoreOptions['client'];
      const store = new DynamoSplitStore({ client, tableName: 'adf-splits', flow: 'f' });

      // Act
      const error = await store.claim('a', 'r0', LIVE_MS).catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({ cause: throttled, context: { splitId: 'a', table: 'adf-splits' } });
    });

    it('validates its options at construction, naming the field', () => {
      const make = (options: Partial<DynamoSplitStoreOptions>) => () => newStore(options);
      expect(make({ flow: 'a#b' })).toThrow(ConfigError);
      expect(make({ pageSize: 0 })).toThrow('pageSize must be between 1 and 10000 (got 0)');
      expect(make({ finishedTtlDays: -1 })).toThrow('finishedTtlDays must be between 0 and 3650 (got -1)');
    });
  });
});
