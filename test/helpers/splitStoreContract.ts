/**
 * The behaviour every SplitStore must show, whatever keeps the rows (a local directory,
 * DynamoDB). Each store's test file calls this with a factory for a fresh, empty store.
 *
 * @example
 * describeSplitStoreContract('LocalSplitStore', async () => {
 *   const tmp = tempDir();
 *   const store = LocalSplitStore.open(tmp.dir);
 *   return { store, cleanup: async () => { store.close(); tmp.cleanup(); } };
 * });
 */
import type { SerializedSplit } from '../../lib/source-support/SourceSplit';
import { SplitStatus } from '../../lib/coordination/SplitStore';
import type { SplitRow, SplitStore } from '../../lib/coordination/SplitStore';
import { FencedOffError } from '../../lib/errors';

export interface SplitStoreUnderTest {
  readonly store: SplitStore;
  cleanup(): Promise<void>;
}

/** A split as sources serialize it: id, serializer version, and a position in `data`. */
export const testSplit = (id: string, offset = 0): SerializedSplit => ({ splitId: id, version: 1, data: { offset } });

const LIVE_MS = 60_000;
/** A lease that is already over when granted: the next claim may take the split. */
const EXPIRED_MS = -1;

async function collect(rows: AsyncIterable<SplitRow>): Promise<SplitRow[]> {
  const all: SplitRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

export function describeSplitStoreContract(name: string, makeStore: () => Promise<SplitStoreUnderTest>): void {
  describe(`${name} (SplitStore contract)`, () => {
    let subject: SplitStoreUnderTest;
    let store: SplitStore;
    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(async () => subject.cleanup());

    const claim = async (id: string, owner = 'r0', leaseMs = LIVE_MS, expectedToken?: number) => {
      const claimed = await store.claim(id, owner, leaseMs, expectedToken);
      if (claimed === undefined) throw new Error(`expected to claim ${id}`);
      return claimed;
    };

    describe('creating splits', () => {
      it('creates each split once, however often it is registered', async () => {
        // Act
        const first = await store.createSplits([testSplit('a'), testSplit('b')]);
        const second = await store.createSplits([testSplit('b'), testSplit('c')]);

        // Assert
        expect(first.map((s) => s.splitId)).toEqual(['a', 'b']);
        expect(second.map((s) => s.splitId)).toEqual(['c']);
      });

      it('does not reset a known split when it is registered again', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        const { lease } = await claim('a');
        await store.commit(lease, { split: testSplit('a', 50), finished: false, records: 5, badRecords: 0 });

        // Act
        await store.createSplits([testSplit('a')]);

        // Assert
        expect(await store.get('a')).toMatchObject({ status: SplitStatus.ASSIGNED, split: testSplit('a', 50), records: 5, leaseToken: 1 });
      });

      it('starts a row PENDING with token 0, no attempts and no records', async () => {
        // Act
        await store.createSplits([testSplit('a', 3)]);

        // Assert
        const row = await store.get('a');
        expect(row).toMatchObject({ splitId: 'a', split: testSplit('a', 3), status: SplitStatus.PENDING, leaseToken: 0, attempts: 0, records: 0, badRecords: 0 });
        expect(row?.leaseOwner).toBeUndefined();
        expect(typeof row?.updatedAt).toBe('number');
      });

      it('knows nothing of a split never created', async () => {
        expect(await store.get('nope')).toBeUndefined();
        expect(await store.claim('nope', 'r0', LIVE_MS)).toBeUndefined();
      });
    });

    describe('claims and fencing', () => {
      it('claims a PENDING split: ASSIGNED to the owner, token + 1, lease until now + leaseMs', async () => {
        // Arrange
        await store.createSplits([testSplit('a', 4)]);
        const before = Date.now();

        // Act
        const { lease, row } = await claim('a', 'r0', LIVE_MS);

        // Assert
        expect(lease).toMatchObject({ splitId: 'a', owner: 'r0', token: 1 });
        expect(lease.expiresAt).toBeGreaterThanOrEqual(before + LIVE_MS);
        expect(lease.expiresAt).toBeLessThanOrEqual(Date.now() + LIVE_MS);
        expect(row).toMatchObject({ status: SplitStatus.ASSIGNED, leaseOwner: 'r0', leaseToken: 1, leaseExpiresAt: lease.expiresAt, split: testSplit('a', 4) });
        expect(await store.get('a')).toEqual(row);
      });

      it('does not hand out a split under a live lease', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        await claim('a', 'r0');

        // Act / Assert
        expect(await store.claim('a', 'r1', LIVE_MS)).toBeUndefined();
        expect(await store.get('a')).toMatchObject({ leaseOwner: 'r0', leaseToken: 1 });
      });

      it('hands out a split whose lease expired, with the next token', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        const first = await claim('a', 'r0', EXPIRED_MS);

        // Act
        const second = await claim('a', 'r1', LIVE_MS);

        // Assert
        expect(second.lease.token).toBe(first.lease.token + 1);
        expect(second.row).toMatchObject({ status: SplitStatus.ASSIGNED, leaseOwner: 'r1', leaseToken: 2 });
      });

      it('fences a commit whose lease was taken over', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        const first = await claim('a', 'r0', EXPIRED_MS);
        const second = await claim('a', 'r1', LIVE_MS);

        // Act
        const stale = store.commit(first.lease, { split: testSplit('a', 10), finished: false, records: 1, badRecords: 0 });

        // Assert
        await expect(stale).rejects.toBeInstanceOf(FencedOffError);
        await expect(stale).rejects.toMatchObject({ context: { splitId: 'a' } });
        await store.commit(second.lease, { split: testSplit('a', 10), finished: true, records: 5, badRecords: 1 });
        expect(await store.get('a')).toMatchObject({ status: SplitStatus.FINISHED, records: 5, badRecords: 1, split: testSplit('a', 10) });
      });

      it('fences a release whose lease was taken over', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        const first = await claim('a', 'r0', EXPIRED_MS);
        await claim('a', 'r1', LIVE_MS);

        // Act / Assert
        await expect(store.release(first.lease, 'boom', 3)).rejects.toBeInstanceOf(FencedOffError);
        expect(await store.get('a')).toMatchObject({ status: SplitStatus.ASSIGNED, leaseOwner: 'r1', attempts: 0 });
      });

      it('fences a commit after the split was released', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        const { lease } = await claim('a');
        await store.release(lease, undefined, 3);

        // Act / Assert
        await expect(store.commit(lease, { split: testSplit('a', 1), finished: false, records: 1, badRecords: 0 })).rejects.toBeInstanceOf(FencedOffError);
      });

      it('never hands out a FINISHED split again', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        const { lease } = await claim('a');
        const row = await store.commit(lease, { split: testSplit('a', 9), finished: true, records: 2, badRecords: 0 });

        // Act / Assert
        expect(row).toMatchObject({ status: SplitStatus.FINISHED, leaseToken: 1 });
        expect(row.leaseOwner).toBeUndefined();
        expect(row.leaseExpiresAt).toBeUndefined();
        expect(await store.claim('a', 'r1', LIVE_MS)).toBeUndefined();
        expect(await store.claim('a', 'r1', LIVE_MS, 1)).toBeUndefined();
      });
    });

    describe('expected tokens (one chain of messages per split)', () => {
      it('rejects a claim that expects another token as stale', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);

        // Act / Assert
        expect(await store.claim('a', 'r0', LIVE_MS, 1)).toBeUndefined();
        expect(await store.get('a')).toMatchObject({ status: SplitStatus.PENDING, leaseToken: 0 });
        expect((await claim('a', 'r0', LIVE_MS, 0)).lease.token).toBe(1);
      });

      it('takes an expired lease over only for the current token', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        await claim('a', 'r0', EXPIRED_MS, 0);

        // Act / Assert
        expect(await store.claim('a', 'r1', LIVE_MS, 0)).toBeUndefined();
        expect((await claim('a', 'r1', LIVE_MS, 1)).lease.token).toBe(2);
      });

      it('releases the lease with a commit when asked, keeping the token for the continuation message', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        const { lease } = await claim('a', 'r0', LIVE_MS, 0);

        // Act
        const row = await store.commit(lease, { split: testSplit('a', 7), finished: false, records: 1, badRecords: 0, release: true });

        // Assert
        expect(row).toMatchObject({ status: SplitStatus.PENDING, leaseToken: 1, split: testSplit('a', 7), records: 1 });
        expect(row.leaseOwner).toBeUndefined();
        expect(row.leaseExpiresAt).toBeUndefined();
        expect(await store.claim('a', 'r1', LIVE_MS, 0)).toBeUndefined(); // a stale message
        expect((await claim('a', 'r1', LIVE_MS, 1)).lease.token).toBe(2); // the continuation
      });

      it('finishes a split on a commit that is both finished and released', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        const { lease } = await claim('a');

        // Act
        const row = await store.commit(lease, { split: testSplit('a', 7), finished: true, records: 1, badRecords: 0, release: true });

        // Assert
        expect(row.status).toBe(SplitStatus.FINISHED);
      });
    });

    describe('commits', () => {
      it('keeps the lease on a plain commit, so the holder reads on and commits again', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        const { lease } = await claim('a');

        // Act
        await store.commit(lease, { split: testSplit('a', 10), finished: false, sinkState: { out: 1 }, records: 3, badRecords: 1 });
        const row = await store.commit(lease, { split: testSplit('a', 20), finished: false, sinkState: { out: 2 }, records: 4, badRecords: 2 });

        // Assert: totals run on, the split and sink state are the latest
        expect(row).toMatchObject({ status: SplitStatus.ASSIGNED, leaseOwner: 'r0', leaseToken: 1, split: testSplit('a', 20), sinkState: { out: 2 }, records: 7, badRecords: 3 });
        expect(await store.get('a')).toEqual(row);
      });

      it('stores the split and the sink state as JSON values', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        const { lease } = await claim('a');
        const split = { splitId: 'a', version: 3, data: { path: 's3://b/k é.csv', offset: 2 ** 40, ratio: 0.25, tags: ['x', ''], nested: { none: null, empty: {} } } };
        const sinkState = { parts: [{ key: 'out/1.jsonl', bytes: 12 }], done: false };

        // Act
        await store.commit(lease, { split, finished: false, sinkState, records: 0, badRecords: 0 });

        // Assert
        expect(await store.get('a')).toMatchObject({ split, sinkState });
      });

      it('drops the sink state when a commit carries none', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        const { lease } = await claim('a');
        await store.commit(lease, { split: testSplit('a', 1), finished: false, sinkState: { out: 1 }, records: 0, badRecords: 0 });

        // Act
        const row = await store.commit(lease, { split: testSplit('a', 2), finished: false, records: 0, badRecords: 0 });

        // Assert
        expect(row.sinkState).toBeUndefined();
      });
    });

    describe('attempts', () => {
      const fail = async (id: string, error: string | undefined, maxAttempts: number): Promise<SplitRow> => store.release((await claim(id)).lease, error, maxAttempts);

      it('gives a split back as PENDING, counting a failed attempt and keeping the error', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);

        // Act
        const row = await fail('a', 'boom', 3);

        // Assert
        expect(row).toMatchObject({ status: SplitStatus.PENDING, attempts: 1, lastError: 'boom', leaseToken: 1 });
        expect(row.leaseOwner).toBeUndefined();
        expect(row.leaseExpiresAt).toBeUndefined();
        expect((await claim('a', 'r1', LIVE_MS, 1)).lease.token).toBe(2);
      });

      it('counts no attempt for a release without an error', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        await fail('a', 'boom', 3);

        // Act
        const row = await fail('a', undefined, 3);

        // Assert
        expect(row).toMatchObject({ status: SplitStatus.PENDING, attempts: 1, lastError: 'boom' });
      });

      it('fails the split at maxAttempts, and never hands it out again', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);

        // Act
        await fail('a', 'boom 0', 2);
        const row = await fail('a', 'boom 1', 2);

        // Assert
        expect(row).toMatchObject({ status: SplitStatus.FAILED, attempts: 2, lastError: 'boom 1' });
        expect(await store.claim('a', 'r1', LIVE_MS)).toBeUndefined();
        expect(await store.get('a')).toEqual(row);
      });

      it('fails at once with maxAttempts 1', async () => {
        await store.createSplits([testSplit('a')]);
        expect(await fail('a', 'boom', 1)).toMatchObject({ status: SplitStatus.FAILED, attempts: 1 });
      });

      it('counts only consecutive failures: a commit in between starts the count again', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);
        await fail('a', 'boom', 2);
        const { lease } = await claim('a');
        await store.commit(lease, { split: testSplit('a', 5), finished: false, records: 1, badRecords: 0 });
        expect(await store.get('a')).toMatchObject({ attempts: 0 });
        await store.release(lease, undefined, 2);

        // Act
        const row = await fail('a', 'boom', 2);

        // Assert
        expect(row).toMatchObject({ status: SplitStatus.PENDING, attempts: 1, split: testSplit('a', 5) });
      });
    });

    describe('listing', () => {
      it('lists every split once, in split-id order, with its current state', async () => {
        // Arrange: more rows than a small page, registered out of order
        const ids = Array.from({ length: 57 }, (_, i) => `part-${String(i).padStart(3, '0')}`);
        const shuffled = [...ids].sort((a, b) => (hash(a) - hash(b)) || (a < b ? -1 : 1));
        await store.createSplits(shuffled.slice(0, 30).map((id) => testSplit(id)));
        await store.createSplits(shuffled.slice(30).map((id) => testSplit(id)));
        const { lease } = await claim('part-010');
        await store.commit(lease, { split: testSplit('part-010', 99), finished: true, records: 3, badRecords: 0 });

        // Act
        const rows = await collect(store.list());

        // Assert
        expect(rows.map((r) => r.splitId)).toEqual(ids);
        expect(rows[10]).toMatchObject({ status: SplitStatus.FINISHED, records: 3, split: testSplit('part-010', 99) });
        expect(rows.filter((r) => r.status === SplitStatus.PENDING)).toHaveLength(ids.length - 1);
      });

      it('lists nothing for an empty store, and can be left early', async () => {
        // Arrange
        expect(await collect(store.list())).toEqual([]);
        await store.createSplits(['a', 'b', 'c'].map((id) => testSplit(id)));

        // Act
        const seen: string[] = [];
        for await (const row of store.list()) {
          seen.push(row.splitId);
          if (seen.length === 2) break;
        }

        // Assert
        expect(seen).toEqual(['a', 'b']);
      });
    });

    describe('enumerator state', () => {
      it('has none before the first put, then returns what was put last', async () => {
        // Arrange
        expect(await store.getEnumeratorState()).toBeUndefined();

        // Act
        await store.putEnumeratorState({ cursor: 'x', seen: ['a', 'b'], assigned: { a: 1 } });
        await store.putEnumeratorState({ cursor: 'y', seen: ['a', 'b', 'c'], assigned: {} });

        // Assert
        expect(await store.getEnumeratorState()).toEqual({ cursor: 'y', seen: ['a', 'b', 'c'], assigned: {} });
      });

      it('keeps the enumerator state apart from the splits', async () => {
        // Arrange
        await store.createSplits([testSplit('a')]);

        // Act
        await store.putEnumeratorState({ cursor: 'z' });

        // Assert
        expect((await collect(store.list())).map((r) => r.splitId)).toEqual(['a']);
      });
    });
  });
}

/** A stable scramble, so registration order differs from id order. */
function hash(text: string): number {
  let h = 7;
  for (const char of text) h = (h * 31 + char.charCodeAt(0)) % 1009;
  return h;
}
