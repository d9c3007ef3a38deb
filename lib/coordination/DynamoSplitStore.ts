import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { lazySchema } from '../util/lazySchema';
import { flowPartitionKey } from '../aws/splitTable';
import { FencedOffError } from '../errors';
import type { SerializedSplit } from '../source-support/SourceSplit';
import { afterFinishDeferredUpdate, afterFinishSettledUpdate } from './DynamoAfterFinishUpdates';
import { resetUpdate, retryUpdate } from './DynamoAdminUpdates';
import { DynamoSplitClient } from './DynamoSplitClient';
import { DynamoSplitQueries } from './DynamoSplitQueries';
import { decodeEnumeratorRow, decodeSplitRow, enumeratorKey, fromStoredJson, newSplitItem, splitKey } from './DynamoSplitRowCodec';
import {
  claimUpdate,
  commitUpdate,
  enumeratorRowCommand,
  enumeratorStateCommand,
  failureReportClaimUpdate,
  failureReportedUpdate,
  reclaimUpdate,
  releaseUpdates,
  splitUpdateCommand,
  type UpdateParts,
} from './DynamoSplitUpdates';
import { touchPendingUpdate } from './DynamoPendingUpdates';
import { mapWithConcurrency } from './mapWithConcurrency';
import { parseOptions } from './parseOptions';
import type { EnumeratorRow, ServerlessSplitStore, SplitCounts } from './ServerlessSplitStore';
import { SplitStatus } from './SplitStore';
import type { ClaimResult, Lease, SplitCommit, SplitRow } from './SplitStore';

export { LEASE_EXPIRED_ERROR } from './DynamoSplitUpdates';

/** An after-finish error kept on the row is cut to this (a row holds 400 KB). */
const MAX_ERROR_CHARS = 4096;

/** Tunables of the DynamoDB split store, with their defaults in one place. */
export const DYNAMO_SPLIT_STORE_DEFAULTS = {
  /**
   * FINISHED rows get a TTL this many days ahead (0: keep them for ever), set once the
   * after-finish action is done (settleAfterFinish), never before.
   */
  finishedTtlDays: 30,
  /** Items per Query page (list, countByStatus, the index queries). */
  pageSize: 500,
  /** PutItems in flight during createSplits. */
  createConcurrency: 16,
} as const;

export interface DynamoSplitStoreOptions {
  /** The document client, built once per container (lib/aws/dynamoDbClient) and shared by every store. */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly flow: string;
  readonly finishedTtlDays?: number;
  readonly pageSize?: number;
  readonly createConcurrency?: number;
  /** Epoch-ms clock (tests); default Date.now. */
  readonly clock?: () => number;
}

const optionsSchema = lazySchema((z) => z.object({
  tableName: z.string().min(3, 'tableName must be 3-255 characters').max(255, 'tableName must be 3-255 characters'),
  finishedTtlDays: z.number().int('finishedTtlDays must be a whole number').min(0, 'finishedTtlDays must be between 0 and 3650').max(3650, 'finishedTtlDays must be between 0 and 3650'),
  pageSize: z.number().int('pageSize must be a whole number').min(1, 'pageSize must be between 1 and 10000').max(10_000, 'pageSize must be between 1 and 10000'),
  createConcurrency: z.number().int('createConcurrency must be a whole number').min(1, 'createConcurrency must be between 1 and 256').max(256, 'createConcurrency must be between 1 and 256'),
}));

/**
 * The serverless runtime's split store: one flow's rows in the split table (lib/aws/splitTable.ts).
 *
 * Every state change is one conditional write, so no transactions are needed and two readers
 * can never both commit a split: a claim bumps `leaseToken`, and commit/release hold only
 * while the row still carries the token they claimed with. Each write also carries a fresh
 * `writeId`, so one whose response was lost neither applies twice nor reads as refused. Reads of single rows and listings
 * are strongly consistent; the status index (listExpiredLeases, listStalePending) is
 * eventually consistent, which the conditional writes that follow it make harmless.
 *
 * The writes are built in DynamoSplitUpdates, the paged reads live in DynamoSplitQueries, and
 * every call goes through DynamoSplitClient, where AWS errors become ours.
 *
 * @example
 * const store = new DynamoSplitStore({ client: sharedDocumentClient(), tableName: 'adf-splits', flow: 'orders' });
 * const claimed = await store.claim('a.csv', context.awsRequestId, 120_000, message.token);
 * if (claimed) await store.commit(claimed.lease, { split, finished: true, records: 10, badRecords: 0, release: true });
 */
export class DynamoSplitStore implements ServerlessSplitStore {
  private readonly table: DynamoSplitClient;
  private readonly queries: DynamoSplitQueries;
  private readonly tableName: string;
  private readonly flow: string;
  private readonly finishedTtlDays: number;
  private readonly createConcurrency: number;
  private readonly clock: () => number;

  constructor(options: DynamoSplitStoreOptions) {
    flowPartitionKey(options.flow); // validates the flow name
    const settings = parseOptions(optionsSchema(), DYNAMO_SPLIT_STORE_DEFAULTS, options);
    this.flow = options.flow;
    this.tableName = settings.tableName;
    this.finishedTtlDays = settings.finishedTtlDays;
    this.createConcurrency = settings.createConcurrency;
    this.clock = options.clock ?? Date.now;
    this.table = new DynamoSplitClient(options.client, this.tableName, this.flow);
    this.queries = new DynamoSplitQueries(this.table, settings.pageSize);
  }

  /**
   * PutItem per split, `attribute_not_exists(pk)`: a split seen before is left as it is. A put
   * whose response was lost (its SDK retry fails the condition) still counts as created.
   */
  async createSplits(splits: SerializedSplit[]): Promise<SerializedSplit[]> {
    const created = await mapWithConcurrency(splits, this.createConcurrency, async (split) => {
      const writeId = randomUUID();
      const item = newSplitItem(this.flow, split, this.clock(), writeId);
      const put = new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
      return this.table.putNew(put, 'create split', split.splitId, writeId);
    });
    return splits.filter((_, index) => created[index]);
  }

  async get(splitId: string): Promise<SplitRow | undefined> {
    const get = new GetCommand({ TableName: this.tableName, Key: splitKey(this.flow, splitId), ConsistentRead: true });
    const { Item } = await this.table.send(() => this.table.client.send(get), 'get split', { splitId });
    return Item === undefined ? undefined : decodeSplitRow(Item);
  }

  async claim(splitId: string, owner: string, leaseMs: number, expectedToken?: number): Promise<ClaimResult | undefined> {
    const now = this.clock();
    const expiresAt = Math.floor(now + leaseMs);
    const row = await this.update(splitId, claimUpdate(this.flow, owner, now, expiresAt, expectedToken), 'claim split');
    if (row === undefined) return undefined;
    return { lease: { splitId, owner, token: row.leaseToken, expiresAt }, row };
  }

  async commit(lease: Lease, commit: SplitCommit): Promise<SplitRow> {
    const row = await this.update(lease.splitId, commitUpdate(this.flow, lease, commit, this.clock(), this.finishedTtlDays), 'commit split');
    if (row === undefined) throw fencedOff(lease);
    return row;
  }

  /**
   * Without a read first: the PENDING write holds while attempts stay under the limit; if its
   * condition fails, the FAILED write is tried; if that fails too, the lease was lost.
   */
  async release(lease: Lease, error: string | undefined, maxAttempts: number): Promise<SplitRow> {
    const { toPending, toFailed } = releaseUpdates(this.flow, lease, error, maxAttempts, this.clock());
    const writeId = randomUUID();
    if (toPending !== undefined) {
      const row = await this.update(lease.splitId, toPending, 'release split', writeId);
      if (row !== undefined) return row;
    }
    const row = await this.update(lease.splitId, toFailed, 'release split', writeId);
    if (row === undefined) throw fencedOff(lease);
    return row;
  }

  /** Rows in sort-key order (split id, UTF-8 byte order), one Query page in memory at a time. */
  async *list(): AsyncIterable<SplitRow> {
    yield* this.queries.list();
  }

  listExpiredLeases(now: number, limit: number): AsyncIterable<SplitRow> {
    return this.queries.listIndex(SplitStatus.ASSIGNED, now, limit, 'list expired leases');
  }

  listStalePending(before: number, limit: number): AsyncIterable<SplitRow> {
    return this.queries.listIndex(SplitStatus.PENDING, before, limit, 'list stale pending splits');
  }

  async reclaimExpired(row: SplitRow, now: number, maxAttempts: number): Promise<SplitRow | undefined> {
    return this.update(row.splitId, reclaimUpdate(this.flow, row, now, maxAttempts, this.clock()), 'reclaim expired lease');
  }

  async touchPending(row: SplitRow, resent = true): Promise<boolean> {
    return (await this.update(row.splitId, touchPendingUpdate(row, this.clock(), resent), 'touch pending split')) !== undefined;
  }

  listAfterFinishPending(before: number, limit: number): AsyncIterable<SplitRow> {
    return this.queries.listIndex('AFTER_FINISH', before, limit, 'list pending after-finish actions');
  }

  async settleAfterFinish(splitId: string): Promise<boolean> {
    return (await this.update(splitId, afterFinishSettledUpdate(this.clock(), this.finishedTtlDays), 'settle after-finish action')) !== undefined;
  }

  async deferAfterFinish(splitId: string, error?: string): Promise<boolean> {
    const kept = error !== undefined && error.length > MAX_ERROR_CHARS ? `${error.slice(0, MAX_ERROR_CHARS)}… (cut)` : error;
    return (await this.update(splitId, afterFinishDeferredUpdate(this.clock(), kept), 'defer after-finish action')) !== undefined;
  }

  listUnreportedFailures(before: number, limit: number): AsyncIterable<SplitRow> {
    return this.queries.listIndex(SplitStatus.FAILED, before, limit, 'list unreported failures');
  }

  async claimFailureReport(row: SplitRow, before: number): Promise<boolean> {
    return (await this.update(row.splitId, failureReportClaimUpdate(this.flow, before, this.clock()), 'claim failure report')) !== undefined;
  }

  async markFailureReported(row: SplitRow): Promise<boolean> {
    return (await this.update(row.splitId, failureReportedUpdate(this.flow, row), 'mark failure reported')) !== undefined;
  }

  /** Reads every row's status, a page at a time (see DynamoSplitQueries.countByStatus for the cost). */
  countByStatus(): Promise<SplitCounts> {
    return this.queries.countByStatus();
  }

  async getEnumeratorState<E>(): Promise<E | undefined> {
    const item = await this.enumeratorItem();
    return item?.state === undefined ? undefined : (fromStoredJson(item.state) as E);
  }

  /** Unconditional: the enumerator is the row's only writer (one enumerator per flow at a time). */
  async putEnumeratorState<E>(state: E): Promise<void> {
    const update = enumeratorStateCommand(this.tableName, this.flow, state, this.clock());
    await this.table.send(() => this.table.client.send(update), 'put enumerator state');
  }

  async getEnumeratorRow<C>(): Promise<EnumeratorRow<C> | undefined> {
    const item = await this.enumeratorItem();
    return item === undefined ? undefined : decodeEnumeratorRow<C>(item);
  }

  /** Unconditional, like putEnumeratorState; leaves `state` as it is. */
  async putEnumeratorRow<C>(row: Omit<EnumeratorRow<C>, 'updatedAt'>): Promise<void> {
    const update = enumeratorRowCommand(this.tableName, this.flow, row, this.clock());
    await this.table.send(() => this.table.client.send(update), 'put enumerator row');
  }

  /** `adf retry`: FAILED → PENDING, attempts reset; undefined when the split is not FAILED. */
  retryFailed(splitId: string, audit: string): Promise<SplitRow | undefined> {
    return this.update(splitId, retryUpdate(this.flow, this.clock(), audit), 'retry split');
  }

  /** `adf reset`: the split at `split`'s position, PENDING, token + 1; undefined when `seen` moved on or (without `force`) a live lease holds it. */
  resetSplit(seen: SplitRow, split: SerializedSplit, force: boolean, audit: string): Promise<SplitRow | undefined> {
    return this.update(seen.splitId, resetUpdate(this.flow, seen, split, this.clock(), force, audit), 'reset split');
  }

  /** `adf forget`: deletes a FINISHED row, so its file is a new split to the next discovery; false when it is not FINISHED. */
  async forgetFinished(splitId: string): Promise<boolean> {
    const del = new DeleteCommand({ TableName: this.tableName, Key: splitKey(this.flow, splitId), ConditionExpression: '#status = :finished', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':finished': SplitStatus.FINISHED } });
    if ((await this.table.sendConditional(() => this.table.client.send(del), 'forget split', splitId)) !== undefined) return true;
    // A delete whose response was lost fails its SDK retry's condition: the row being gone says it was ours.
    return (await this.get(splitId)) === undefined;
  }

  private async enumeratorItem(): Promise<Record<string, unknown> | undefined> {
    const get = new GetCommand({ TableName: this.tableName, Key: enumeratorKey(this.flow), ConsistentRead: true });
    return (await this.table.send(() => this.table.client.send(get), 'get enumerator row')).Item;
  }

  /**
   * One conditional write of a split row: the row after it, or undefined when its condition
   * failed. `writeId` makes it apply at most once and recognisable after a lost response
   * (splitUpdateCommand); a release passes one id to both of its writes, only one can hold.
   */
  private update(splitId: string, parts: UpdateParts, action: string, writeId: string = randomUUID()): Promise<SplitRow | undefined> {
    return this.table.updateRow(splitUpdateCommand(this.tableName, this.flow, splitId, parts, writeId), action, splitId, writeId);
  }
}

function fencedOff(lease: Lease): FencedOffError {
  return new FencedOffError(`lease ${lease.token} on split ${lease.splitId} was taken over`, { context: { splitId: lease.splitId } });
}
