/**
 * A tiny reference model of the split store's semantics, and fast-check model-based commands
 * that run random sequences of claims, commits, releases, duplicate deliveries, expired-lease
 * reclaims, failure reports, clock jumps and lost responses against a real store, checking
 * every answer and every row against the model.
 *
 * A "lost response" arms a ResponseLoss (test/helpers/lostResponses.ts) on the store's SDK
 * client: the server applies the write, the caller gets a network error, the SDK retries. The
 * model says what that call must still answer: exactly what it would have without the fault.
 * An in-process store (LocalSplitStore) cannot lose a response; there the flag does nothing.
 *
 * @example
 * await fc.assert(fc.asyncProperty(splitStoreCommands({ serverless: true }), async (cmds) => {
 *   const real = await openStore();
 *   await fc.asyncModelRun(() => ({ model: newModel(real.clock.now), real }), cmds);
 * }));
 */
import fc from 'fast-check';
import { LEASE_EXPIRED_ERROR } from '../../lib/coordination/DynamoSplitUpdates';
import type { ServerlessSplitStore } from '../../lib/coordination/ServerlessSplitStore';
import { SplitStatus } from '../../lib/coordination/SplitStore';
import type { Lease, SplitRow, SplitStore } from '../../lib/coordination/SplitStore';
import { FencedOffError } from '../../lib/errors';
import type { ResponseLoss } from './lostResponses';
import { testSplit } from './splitStoreContract';

/** The state of one split as the model knows it. */
export interface ModelRow {
  status: SplitStatus;
  leaseToken: number;
  leaseOwner?: string;
  leaseExpiresAt?: number;
  attempts: number;
  records: number;
  badRecords: number;
  offset: number;
  /** The sink state of the last commit. */
  sinkBytes?: number;
  lastError?: string;
  updatedAt: number;
  /** Serverless: a FAILED row whose alert is not sent yet, listed by failure time (or last try). */
  unreportedSince?: number;
}

export interface SplitStoreModel {
  now: number;
  readonly rows: Map<string, ModelRow>;
  /** The last lease each reader was granted (kept after it went stale: readers do not know). */
  readonly leases: Map<string, Lease>;
}

export interface RealSplitStore {
  readonly store: SplitStore;
  /** The store's clock; commands move it with the model's. */
  readonly clock: { now: number };
  /** Absent for an in-process store, which cannot lose a response. */
  readonly loss?: ResponseLoss;
  readonly leases: Map<string, Lease>;
}

export const MODEL_SPLIT_IDS = ['s0', 's1'] as const;
const READERS = ['r0', 'r1', 'r2'] as const;
export const MODEL_START = 1_700_000_000_000;

export function newModel(now = MODEL_START): SplitStoreModel {
  return { now, rows: new Map(), leases: new Map() };
}

/** The fields both must agree on, from a store row or a model row. */
function shape(id: string, row: SplitRow | ModelRow | undefined): Record<string, unknown> | undefined {
  if (row === undefined) return undefined;
  const offset = 'offset' in row ? row.offset : undefined;
  return {
    status: row.status,
    leaseToken: row.leaseToken,
    leaseOwner: row.leaseOwner,
    leaseExpiresAt: row.leaseExpiresAt,
    attempts: row.attempts,
    records: row.records,
    badRecords: row.badRecords,
    split: offset === undefined ? (row as SplitRow).split : testSplit(id, offset),
    sinkState: offset === undefined ? (row as SplitRow).sinkState : (row as ModelRow).sinkBytes === undefined ? undefined : { bytes: (row as ModelRow).sinkBytes },
    lastError: row.lastError,
    updatedAt: row.updatedAt,
  };
}

async function checkRows(model: SplitStoreModel, real: RealSplitStore): Promise<void> {
  for (const id of MODEL_SPLIT_IDS) expect(shape(id, await real.store.get(id))).toEqual(shape(id, model.rows.get(id)));
}

function lose(real: RealSplitStore, lost: boolean, writesOnly = true): void {
  if (lost && real.loss) real.loss.loseNext(1, writesOnly ? (name) => /^(UpdateItem|PutItem)/.test(name) : undefined);
}

async function settle<T>(real: RealSplitStore, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } finally {
    real.loss?.disarm();
  }
}

const tag = (lost: boolean) => (lost ? ' [response lost]' : '');

type Cmd = fc.AsyncCommand<SplitStoreModel, RealSplitStore>;

class CreateCommand implements Cmd {
  constructor(readonly id: string, readonly lost: boolean) {}
  check = () => true;
  async run(model: SplitStoreModel, real: RealSplitStore) {
    const expected = !model.rows.has(this.id);
    if (expected) model.rows.set(this.id, { status: SplitStatus.PENDING, leaseToken: 0, attempts: 0, records: 0, badRecords: 0, offset: 0, updatedAt: model.now });
    lose(real, this.lost);
    const created = await settle(real, real.store.createSplits([testSplit(this.id)]));
    expect(created.map((s) => s.splitId)).toEqual(expected ? [this.id] : []);
    await checkRows(model, real);
  }
  toString = () => `create(${this.id})${tag(this.lost)}`;
}

type Delivery = 'none' | 'current' | 'duplicate';

class ClaimCommand implements Cmd {
  constructor(readonly id: string, readonly reader: string, readonly leaseMs: number, readonly delivery: Delivery, readonly lost: boolean) {}
  check = () => true;
  async run(model: SplitStoreModel, real: RealSplitStore) {
    const row = model.rows.get(this.id);
    const token = row?.leaseToken ?? 0;
    // A duplicate delivery: the message that asked for the previous claim, delivered again.
    const expectedToken = this.delivery === 'none' ? undefined : this.delivery === 'current' ? token : token - 1;
    const claimable = row !== undefined && (expectedToken === undefined || row.leaseToken === expectedToken)
      && (row.status === SplitStatus.PENDING || (row.status === SplitStatus.ASSIGNED && row.leaseExpiresAt! < model.now));
    lose(real, this.lost);
    const claimed = await settle(real, real.store.claim(this.id, this.reader, this.leaseMs, expectedToken));
    if (!claimable) {
      expect(claimed).toBeUndefined();
    } else {
      const lease: Lease = { splitId: this.id, owner: this.reader, token: row.leaseToken + 1, expiresAt: model.now + this.leaseMs };
      Object.assign(row, { status: SplitStatus.ASSIGNED, leaseOwner: this.reader, leaseToken: lease.token, leaseExpiresAt: lease.expiresAt, updatedAt: model.now });
      model.leases.set(this.reader, lease);
      expect(claimed?.lease).toEqual(lease);
      expect(shape(this.id, claimed?.row)).toEqual(shape(this.id, row));
      real.leases.set(this.reader, claimed!.lease);
    }
    await checkRows(model, real);
  }
  toString = () => `claim(${this.id}, ${this.reader}, ${this.leaseMs} ms, ${this.delivery} message)${tag(this.lost)}`;
}

/** The model row `lease` still holds (ASSIGNED at its token), or undefined: fenced off. */
function holding(model: SplitStoreModel, lease: Lease): ModelRow | undefined {
  const row = model.rows.get(lease.splitId);
  return row?.status === SplitStatus.ASSIGNED && row.leaseToken === lease.token ? row : undefined;
}

class CommitCommand implements Cmd {
  constructor(readonly reader: string, readonly records: number, readonly finished: boolean, readonly release: boolean, readonly lost: boolean) {}
  check = (model: Readonly<SplitStoreModel>) => model.leases.has(this.reader);
  async run(model: SplitStoreModel, real: RealSplitStore) {
    const lease = model.leases.get(this.reader)!;
    const row = holding(model, lease);
    const offset = (model.rows.get(lease.splitId)?.offset ?? 0) + this.records;
    const commit = { split: testSplit(lease.splitId, offset), sinkState: { bytes: offset }, finished: this.finished, release: this.release, records: this.records, badRecords: 1 };
    lose(real, this.lost);
    const result = settle(real, real.store.commit(real.leases.get(this.reader)!, commit));
    if (row === undefined) {
      await expect(result).rejects.toBeInstanceOf(FencedOffError);
    } else {
      const status = this.finished ? SplitStatus.FINISHED : this.release ? SplitStatus.PENDING : SplitStatus.ASSIGNED;
      Object.assign(row, { status, offset, sinkBytes: offset, attempts: 0, records: row.records + this.records, badRecords: row.badRecords + 1, updatedAt: model.now });
      if (status !== SplitStatus.ASSIGNED) Object.assign(row, { leaseOwner: undefined, leaseExpiresAt: undefined });
      expect(shape(lease.splitId, await result)).toEqual(shape(lease.splitId, row));
    }
    await checkRows(model, real);
  }
  toString = () => `commit(${this.reader}, +${this.records}${this.finished ? ', finished' : ''}${this.release ? ', release' : ''})${tag(this.lost)}`;
}

class ReleaseCommand implements Cmd {
  constructor(readonly reader: string, readonly error: string | undefined, readonly maxAttempts: number, readonly lost: boolean) {}
  check = (model: Readonly<SplitStoreModel>) => model.leases.has(this.reader);
  async run(model: SplitStoreModel, real: RealSplitStore) {
    const lease = model.leases.get(this.reader)!;
    const row = holding(model, lease);
    lose(real, this.lost);
    const result = settle(real, real.store.release(real.leases.get(this.reader)!, this.error, this.maxAttempts));
    if (row === undefined) {
      await expect(result).rejects.toBeInstanceOf(FencedOffError);
    } else {
      const attempts = row.attempts + (this.error === undefined ? 0 : 1);
      const status = attempts >= this.maxAttempts ? SplitStatus.FAILED : SplitStatus.PENDING;
      Object.assign(row, { status, attempts, lastError: this.error ?? row.lastError, leaseOwner: undefined, leaseExpiresAt: undefined, updatedAt: model.now });
      if (status === SplitStatus.FAILED) row.unreportedSince = model.now;
      expect(shape(lease.splitId, await result)).toEqual(shape(lease.splitId, row));
    }
    await checkRows(model, real);
  }
  toString = () => `release(${this.reader}, ${this.error === undefined ? 'no error' : 'error'}, max ${this.maxAttempts})${tag(this.lost)}`;
}

/** The failure handler's expired-lease pass (serverless stores only). */
class ReclaimCommand implements Cmd {
  constructor(readonly maxAttempts: number, readonly lost: boolean) {}
  check = () => true;
  async run(model: SplitStoreModel, real: RealSplitStore) {
    const store = real.store as ServerlessSplitStore;
    const expected: string[] = [];
    for (const [id, row] of model.rows) {
      if (row.status !== SplitStatus.ASSIGNED || !(row.leaseExpiresAt! < model.now)) continue;
      const attempts = row.attempts + 1;
      const status = attempts >= this.maxAttempts ? SplitStatus.FAILED : SplitStatus.PENDING;
      Object.assign(row, { status, attempts, leaseToken: row.leaseToken + 1, lastError: LEASE_EXPIRED_ERROR, leaseOwner: undefined, leaseExpiresAt: undefined, updatedAt: model.now });
      if (status === SplitStatus.FAILED) row.unreportedSince = model.now;
      expected.push(`${id}:${status}`);
    }
    const reclaimed: string[] = [];
    for await (const seen of store.listExpiredLeases(model.now, 100)) {
      lose(real, this.lost);
      const back = await settle(real, store.reclaimExpired(seen, model.now, this.maxAttempts));
      if (back !== undefined) reclaimed.push(`${back.splitId}:${back.status}`);
    }
    expect(reclaimed.sort()).toEqual(expected.sort());
    await checkRows(model, real);
  }
  toString = () => `reclaimExpired(max ${this.maxAttempts})${tag(this.lost)}`;
}

/** The failure handler's pass over FAILED rows whose alert was not sent (serverless stores only). */
class ReportFailuresCommand implements Cmd {
  constructor(readonly sent: boolean, readonly lost: boolean) {}
  check = () => true;
  async run(model: SplitStoreModel, real: RealSplitStore) {
    const store = real.store as ServerlessSplitStore;
    const before = model.now + 1;
    const expected: string[] = [];
    for (const [id, row] of model.rows) {
      if (row.unreportedSince === undefined || !(row.unreportedSince < before)) continue;
      expected.push(id);
      // Claimed (moved to now); reported only when the alert was sent.
      row.unreportedSince = this.sent ? undefined : model.now;
    }
    const listed: string[] = [];
    for await (const row of store.listUnreportedFailures(before, 100)) {
      lose(real, this.lost);
      expect(await settle(real, store.claimFailureReport(row, before))).toBe(true);
      lose(real, this.lost);
      if (this.sent) expect(await settle(real, store.markFailureReported(row))).toBe(true);
      listed.push(row.splitId);
    }
    expect(listed.sort()).toEqual(expected.sort());
    await checkRows(model, real);
  }
  toString = () => `reportFailures(${this.sent ? 'sent' : 'send failed'})${tag(this.lost)}`;
}

class ClockCommand implements Cmd {
  /** `toExpiry`: exactly onto the lease expiry of a split (the boundary); else by `ms`. */
  constructor(readonly ms: number, readonly toExpiryOf?: string) {}
  check = () => true;
  async run(model: SplitStoreModel, real: RealSplitStore) {
    const expiry = this.toExpiryOf === undefined ? undefined : model.rows.get(this.toExpiryOf)?.leaseExpiresAt;
    model.now = expiry ?? model.now + this.ms;
    real.clock.now = model.now;
  }
  toString = () => (this.toExpiryOf === undefined ? `clock ${this.ms >= 0 ? '+' : ''}${this.ms} ms` : `clock to ${this.toExpiryOf}'s lease expiry`);
}

/**
 * Random command sequences; `serverless` adds the failure handler's passes, `lostResponses`
 * loses the response of about one write in four (needs a RealSplitStore with `loss`).
 */
export function splitStoreCommands(options: { serverless: boolean; lostResponses: boolean; maxCommands?: number }): fc.Arbitrary<Iterable<Cmd>> {
  const id = fc.constantFrom(...MODEL_SPLIT_IDS);
  const reader = fc.constantFrom(...READERS);
  const lost = options.lostResponses ? fc.nat(3).map((n) => n === 0) : fc.constant(false);
  const maxAttempts = fc.constantFrom(1, 2, 3);
  const commands: fc.Arbitrary<Cmd>[] = [
    fc.tuple(id, lost).map(([i, l]) => new CreateCommand(i, l)),
    fc.tuple(id, reader, fc.constantFrom(-1, 0, 1_000, 60_000), fc.constantFrom<Delivery>('none', 'current', 'current', 'duplicate'), lost).map(([i, r, ms, d, l]) => new ClaimCommand(i, r, ms, d, l)),
    fc.tuple(reader, fc.nat(5), fc.boolean(), fc.boolean(), lost).map(([r, n, f, rel, l]) => new CommitCommand(r, n, f, rel, l)),
    fc.tuple(reader, fc.option(fc.constantFrom('boom', 'bad input'), { nil: undefined }), maxAttempts, lost).map(([r, e, m, l]) => new ReleaseCommand(r, e, m, l)),
    fc.oneof(fc.constantFrom(-1_000, 1, 999, 1_000, 1_001, 60_001).map((ms) => new ClockCommand(ms)), id.map((i) => new ClockCommand(0, i))),
  ];
  if (options.serverless) {
    commands.push(fc.tuple(maxAttempts, lost).map(([m, l]) => new ReclaimCommand(m, l)));
    commands.push(fc.tuple(fc.boolean(), lost).map(([s, l]) => new ReportFailuresCommand(s, l)));
  }
  return fc.commands(commands, { maxCommands: options.maxCommands ?? 30 });
}
