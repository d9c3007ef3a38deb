import { LocalSplitStore } from '../../../lib/coordination/LocalSplitStore';
import { SplitStatus } from '../../../lib/coordination/SplitStore';
import { FencedOffError, ConfigError } from '../../../lib/errors';
import { tempDir } from '../../helpers/tmp';

const split = (id: string, offset = 0) => ({ splitId: id, version: 1, data: { offset } });

describe('LocalSplitStore', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('creates each split once, however often it is registered', async () => {
    const store = LocalSplitStore.open(tmp.dir);
    expect((await store.createSplits([split('a'), split('b')])).map((s) => s.splitId)).toEqual(['a', 'b']);
    expect((await store.createSplits([split('b'), split('c')])).map((s) => s.splitId)).toEqual(['c']);
    store.close();
  });

  it('fences a commit whose lease was taken over', async () => {
    const store = LocalSplitStore.open(tmp.dir);
    await store.createSplits([split('a')]);
    const first = (await store.claim('a', 'r0', -1))!; // already expired
    const second = (await store.claim('a', 'r1', 60_000))!;
    expect(second.lease.token).toBe(first.lease.token + 1);
    await expect(store.commit(first.lease, { split: split('a', 10), finished: false, records: 1, badRecords: 0 })).rejects.toBeInstanceOf(FencedOffError);
    await store.commit(second.lease, { split: split('a', 10), finished: true, records: 5, badRecords: 1 });
    expect(await store.get('a')).toMatchObject({ status: SplitStatus.FINISHED, records: 5, badRecords: 1, split: split('a', 10) });
    expect(await store.claim('a', 'r2', 60_000)).toBeUndefined();
    store.close();
  });

  it('does not hand out a split under a live lease', async () => {
    const store = LocalSplitStore.open(tmp.dir);
    await store.createSplits([split('a')]);
    expect(await store.claim('a', 'r0', 60_000)).toBeDefined();
    expect(await store.claim('a', 'r1', 60_000)).toBeUndefined();
    store.close();
  });

  it('holds a lease up to its last millisecond, as DynamoSplitStore does', async () => {
    // Arrange
    let now = 1_700_000_000_000;
    const store = LocalSplitStore.open(tmp.dir, { clock: () => now });
    await store.createSplits([split('a')]);
    const { lease } = (await store.claim('a', 'r0', 1_000))!;

    // Act / Assert
    now = lease.expiresAt;
    expect(await store.claim('a', 'r1', 1_000)).toBeUndefined();
    now += 1;
    expect((await store.claim('a', 'r1', 1_000))?.lease.token).toBe(2);
    store.close();
  });

  it('keeps checkpoints across reopen and frees leases of the previous process', async () => {
    const store = LocalSplitStore.open(tmp.dir);
    await store.createSplits([split('a')]);
    const { lease } = (await store.claim('a', 'r0', 60_000))!;
    await store.commit(lease, { split: split('a', 42), finished: false, sinkState: { out: 99 }, records: 3, badRecords: 0 });
    await store.putEnumeratorState({ cursor: 'x' });
    store.close();

    const reopened = LocalSplitStore.open(tmp.dir);
    expect(await reopened.get('a')).toMatchObject({ status: SplitStatus.ASSIGNED, sinkState: { out: 99 }, records: 3 });
    expect(await reopened.getEnumeratorState()).toEqual({ cursor: 'x' });
    const again = await reopened.claim('a', 'r1', 60_000);
    expect(again?.row.split).toEqual(split('a', 42));
    reopened.close();
  });

  it('counts failed attempts and fails the split at maxAttempts', async () => {
    const store = LocalSplitStore.open(tmp.dir);
    await store.createSplits([split('a')]);
    let row;
    for (let i = 0; i < 2; i++) {
      const { lease } = (await store.claim('a', 'r0', 60_000))!;
      row = await store.release(lease, `boom ${i}`, 2);
    }
    expect(row).toMatchObject({ status: SplitStatus.FAILED, attempts: 2, lastError: 'boom 1' });
    store.close();
  });

  it('counts only consecutive failures: a commit in between starts the count again', async () => {
    const store = LocalSplitStore.open(tmp.dir);
    await store.createSplits([split('a')]);
    const fail = async () => store.release((await store.claim('a', 'r0', 60_000))!.lease, 'boom', 2);
    await fail();
    const { lease } = (await store.claim('a', 'r0', 60_000))!;
    await store.commit(lease, { split: split('a', 5), finished: false, records: 1, badRecords: 0 });
    await store.release(lease, undefined, 2);
    expect(await fail()).toMatchObject({ status: SplitStatus.PENDING, attempts: 1 });
    store.close();
  });

  it('refuses a state directory held by another live process', async () => {
    const store = LocalSplitStore.open(tmp.dir);
    require('node:fs').writeFileSync(require('node:path').join(tmp.dir, 'lock'), String(process.ppid));
    expect(() => LocalSplitStore.open(tmp.dir)).toThrow(ConfigError);
    store.close();
  });
});

describe('LocalSplitStore, serverless protocol', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('releases the lease with a commit when asked, keeping the token for the continuation message', async () => {
    const store = LocalSplitStore.open(tmp.dir);
    await store.createSplits([split('a')]);
    const { lease } = (await store.claim('a', 'r0', 60_000, 0))!;
    const row = await store.commit(lease, { split: split('a', 7), finished: false, records: 1, badRecords: 0, release: true });
    expect(row).toMatchObject({ status: SplitStatus.PENDING, leaseToken: 1, leaseOwner: undefined });
    expect(await store.claim('a', 'r1', 60_000, 0)).toBeUndefined(); // a stale message
    expect((await store.claim('a', 'r1', 60_000, 1))?.lease.token).toBe(2); // the continuation
    store.close();
  });
});
