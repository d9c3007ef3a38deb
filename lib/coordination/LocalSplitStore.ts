import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SerializedSplit } from '../source-support/SourceSplit';
import { ConfigError, FencedOffError } from '../errors';
import { atomicWriteFileSync } from '../util/atomicWrite';
import { safeName } from '../util/safeName';
import { SplitStatus } from './SplitStore';
import type { ClaimResult, Lease, SplitCommit, SplitRow, SplitStore } from './SplitStore';

/**
 * The embedded runtime's split store: one JSON file per split under `<dir>/splits`, written
 * atomically after every committed batch, plus `<dir>/enumerator.json`.
 *
 * Single writer: only the coordinating thread of one process touches it (readers on worker
 * threads send their commits there), and a lock file keeps a second process out. Leases of a
 * previous process are void once it is gone, so `open` makes ASSIGNED rows claimable again.
 */
export class LocalSplitStore implements SplitStore {
  private readonly rows = new Map<string, SplitRow>();
  private readonly splitDir: string;
  private readonly lockFile: string;

  private constructor(private readonly dir: string, private readonly fsync: boolean) {
    this.splitDir = join(dir, 'splits');
    this.lockFile = join(dir, 'lock');
  }

  static open(dir: string, options: { fsync?: boolean } = {}): LocalSplitStore {
    const store = new LocalSplitStore(dir, options.fsync ?? false);
    mkdirSync(store.splitDir, { recursive: true });
    store.lock();
    for (const name of readdirSync(store.splitDir)) {
      if (!name.endsWith('.json')) continue;
      const row = JSON.parse(readFileSync(join(store.splitDir, name), 'utf8')) as SplitRow;
      store.rows.set(row.splitId, row.status === SplitStatus.ASSIGNED ? { ...row, leaseExpiresAt: 0 } : row);
    }
    return store;
  }

  /** Releases the lock; the state stays for a later resume. */
  close(): void {
    rmSync(this.lockFile, { force: true });
  }

  async createSplits(splits: SerializedSplit[]): Promise<SerializedSplit[]> {
    const created: SerializedSplit[] = [];
    for (const split of splits) {
      if (this.rows.has(split.splitId)) continue;
      this.put({ splitId: split.splitId, split, status: SplitStatus.PENDING, leaseToken: 0, attempts: 0, records: 0, badRecords: 0, updatedAt: Date.now() });
      created.push(split);
    }
    return created;
  }

  async get(splitId: string): Promise<SplitRow | undefined> {
    return this.rows.get(splitId);
  }

  async claim(splitId: string, owner: string, leaseMs: number, expectedToken?: number): Promise<ClaimResult | undefined> {
    const row = this.rows.get(splitId);
    const now = Date.now();
    const current = row && (expectedToken === undefined || row.leaseToken === expectedToken);
    const claimable = current && (row.status === SplitStatus.PENDING || (row.status === SplitStatus.ASSIGNED && (row.leaseExpiresAt ?? 0) <= now));
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
      updatedAt: Date.now(),
    });
  }

  async release(lease: Lease, error: string | undefined, maxAttempts: number): Promise<SplitRow> {
    const row = this.holding(lease);
    const attempts = row.attempts + (error === undefined ? 0 : 1);
    const status = attempts >= maxAttempts ? SplitStatus.FAILED : SplitStatus.PENDING;
    return this.put({ ...row, status, attempts, lastError: error ?? row.lastError, leaseOwner: undefined, leaseExpiresAt: undefined, updatedAt: Date.now() });
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

  private lock(): void {
    if (existsSync(this.lockFile)) {
      const pid = Number(readFileSync(this.lockFile, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new ConfigError(`state directory ${this.dir} is in use by process ${pid}; stop it or pass another --state-dir`, { context: { file: this.dir } });
      }
    }
    writeFileSync(this.lockFile, String(process.pid));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
