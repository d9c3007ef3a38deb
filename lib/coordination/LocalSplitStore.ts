import { rmSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SerializedSplit } from '../source-support/SourceSplit';
import { FencedOffError } from '../errors';
import { atomicWriteFileSync } from '../util/atomicWrite';
import { safeName } from '../util/safeName';
import { StateDirLock } from './StateDirLock';
import { SplitStatus } from './SplitStore';
import type { ClaimResult, Lease, SplitCommit, SplitRow, SplitStore } from './SplitStore';

/**
 * The embedded runtime's split store: one JSON file per split under `<dir>/splits`, written
 * atomically after every committed batch, plus `<dir>/enumerator.json`.
 *
 * Single writer: only the coordinating thread of one process touches it (readers on worker
 * threads send their commits there), and a lock file (StateDirLock) keeps any other process or
 * store instance out. Leases of a
 * previous process are void once it is gone, so `open` makes ASSIGNED rows claimable again.
 */
export class LocalSplitStore implements SplitStore {
  private readonly rows = new Map<string, SplitRow>();
  private readonly splitDir: string;
  private lock: StateDirLock | undefined;

  private constructor(private readonly dir: string, private readonly fsync: boolean, private readonly clock: () => number) {
    this.splitDir = join(dir, 'splits');
  }

  /** `clock`: epoch ms (tests); default Date.now. */
  static open(dir: string, options: { fsync?: boolean; clock?: () => number } = {}): LocalSplitStore {
    const store = new LocalSplitStore(dir, options.fsync ?? false, options.clock ?? Date.now);
    mkdirSync(store.splitDir, { recursive: true });
    store.lock = StateDirLock.acquire(dir);
    try {
      for (const name of readdirSync(store.splitDir)) {
        if (!name.endsWith('.json')) continue;
        const row = JSON.parse(readFileSync(join(store.splitDir, name), 'utf8')) as SplitRow;
        store.rows.set(row.splitId, row.status === SplitStatus.ASSIGNED ? { ...row, leaseExpiresAt: 0 } : row);
      }
    } catch (e) {
      store.close();
      throw e;
    }
    return store;
  }

  /**
   * Forgets everything this state directory holds (`--fresh`): every entry but the lock, which
   * this store keeps holding, so no other run can slip in between the wipe and the new start.
   */
  clear(): void {
    for (const name of readdirSync(this.dir)) {
      if (name === 'lock' || name.startsWith('lock.')) continue;
      rmSync(join(this.dir, name), { recursive: true, force: true });
    }
    this.rows.clear();
    mkdirSync(this.splitDir, { recursive: true });
  }

  /** Releases the lock (only if this store holds it); the state stays for a later resume. */
  close(): void {
    this.lock?.release();
  }

  async createSplits(splits: SerializedSplit[]): Promise<SerializedSplit[]> {
    const created: SerializedSplit[] = [];
    for (const split of splits) {
      if (this.rows.has(split.splitId)) continue;
      this.put({ splitId: split.splitId, split, status: SplitStatus.PENDING, leaseToken: 0, attempts: 0, records: 0, badRecords: 0, updatedAt: this.clock() });
      created.push(split);
    }
    return created;
  }

  async get(splitId: string): Promise<SplitRow | undefined> {
    return this.rows.get(splitId);
  }

  async claim(splitId: string, owner: string, leaseMs: number, expectedToken?: number): Promise<ClaimResult | undefined> {
    const row = this.rows.get(splitId);
    const now = this.clock();
    const current = row && (expectedToken === undefined || row.leaseToken === expectedToken);
    // Expired strictly before now, as in DynamoSplitStore: a lease is good up to its last millisecond.
    const claimable = current && (row.status === SplitStatus.PENDING || (row.status === SplitStatus.ASSIGNED && (row.leaseExpiresAt ?? 0) < now));
    if (!row || !claimable) return undefined;
    const lease: Lease = { splitId, owner, token: row.leaseToken + 1, expiresAt: now + leaseMs };
    const claimed = this.put({ ...row, status: SplitStatus.ASSIGNED, leaseOwner: owner, leaseToken: lease.token, leaseExpiresAt: lease.expiresAt, updatedAt: now });
    return { lease, row: claimed };
  }

  async commit(lease: Lease, commit: SplitCommit): Promise<SplitRow> {
    const row = this.holding(lease);
    return this.put({
      ...row,
      split: commit.split,
      status: commit.finished ? SplitStatus.FINISHED : commit.release ? SplitStatus.PENDING : SplitStatus.ASSIGNED,
      ...(commit.finished || commit.release ? { leaseOwner: undefined, leaseExpiresAt: undefined } : {}),
      attempts: 0,
      sinkState: commit.sinkState,
      records: row.records + commit.records,
      badRecords: row.badRecords + commit.badRecords,
      updatedAt: this.clock(),
    });
  }

  async release(lease: Lease, error: string | undefined, maxAttempts: number): Promise<SplitRow> {
    const row = this.holding(lease);
    const attempts = row.attempts + (error === undefined ? 0 : 1);
    const status = attempts >= maxAttempts ? SplitStatus.FAILED : SplitStatus.PENDING;
    return this.put({ ...row, status, attempts, lastError: error ?? row.lastError, leaseOwner: undefined, leaseExpiresAt: undefined, updatedAt: this.clock() });
  }

  /** FAILED → PENDING with its attempts reset, from its last commit; undefined when the split is not FAILED. */
  retry(splitId: string): SplitRow | undefined {
    const row = this.rows.get(splitId);
    if (row?.status !== SplitStatus.FAILED) return undefined;
    return this.put({ ...row, status: SplitStatus.PENDING, attempts: 0, updatedAt: Date.now() });
  }

  async *list(): AsyncIterable<SplitRow> {
    yield* [...this.rows.values()].sort((a, b) => (a.splitId < b.splitId ? -1 : a.splitId > b.splitId ? 1 : 0));
  }

  async getEnumeratorState<E>(): Promise<E | undefined> {
    const file = join(this.dir, 'enumerator.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as E) : undefined;
  }

  async putEnumeratorState<E>(state: E): Promise<void> {
    atomicWriteFileSync(join(this.dir, 'enumerator.json'), JSON.stringify(state), this.fsync);
  }

  /** The row, if `lease` still holds it; otherwise the holder was fenced off. */
  private holding(lease: Lease): SplitRow {
    const row = this.rows.get(lease.splitId);
    if (!row || row.status !== SplitStatus.ASSIGNED || row.leaseToken !== lease.token) {
      throw new FencedOffError(`lease ${lease.token} on split ${lease.splitId} was taken over`, { context: { splitId: lease.splitId } });
    }
    return row;
  }

  private put(row: SplitRow): SplitRow {
    this.rows.set(row.splitId, row);
    atomicWriteFileSync(join(this.splitDir, `${safeName(row.splitId)}.json`), JSON.stringify(row), this.fsync);
    return row;
  }
}
