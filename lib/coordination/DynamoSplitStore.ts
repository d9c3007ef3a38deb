import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { isAwsError, wrapAwsError } from '../aws/errors';
import {
  SPLIT_SORT_KEY_PREFIX,
  STATUS_LEASE_INDEX,
  flowPartitionKey,
  statusIndexPartitionKey,
  statusIndexSortKey,
} from '../aws/splitTable';
import { ConfigError, FencedOffError, type ErrorContext } from '../errors';
import type { SerializedSplit } from '../source-support/SourceSplit';
import {
  decodeEnumeratorRow,
  decodeSplitRow,
  enumeratorKey,
  fromStoredJson,
  newSplitItem,
  splitKey,
  toStoredJson,
} from './DynamoSplitRowCodec';
import { mapWithConcurrency } from './mapWithConcurrency';
import type { EnumeratorRow, ServerlessSplitStore, SplitCounts } from './ServerlessSplitStore';
import { SplitStatus } from './SplitStore';
import type { ClaimResult, Lease, SplitCommit, SplitRow } from './SplitStore';

/** Tunables of the DynamoDB split store, with their defaults in one place. */
export const DYNAMO_SPLIT_STORE_DEFAULTS = {
  /** FINISHED rows get a TTL this many days ahead (0: keep them for ever). */
  finishedTtlDays: 30,
  /** Items per Query page (list, countByStatus, the index queries). */
  pageSize: 500,
  /** PutItems in flight during createSplits. */
  createConcurrency: 16,
} as const;

/** The error recorded when the failure handler takes back an expired lease. */
export const LEASE_EXPIRED_ERROR = 'lease expired before the reader committed (timeout or crash)';

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

const optionsSchema = z.object({
  tableName: z.string().min(3, 'tableName must be 3-255 characters').max(255, 'tableName must be 3-255 characters'),
  finishedTtlDays: z.number().int('finishedTtlDays must be a whole number').min(0, 'finishedTtlDays must be between 0 and 3650').max(3650, 'finishedTtlDays must be between 0 and 3650'),
  pageSize: z.number().int('pageSize must be a whole number').min(1, 'pageSize must be between 1 and 10000').max(10_000, 'pageSize must be between 1 and 10000'),
  createConcurrency: z.number().int('createConcurrency must be a whole number').min(1, 'createConcurrency must be between 1 and 256').max(256, 'createConcurrency must be between 1 and 256'),
});

const DAY_SECONDS = 24 * 3600;

/**
 * The serverless runtime's split store: one flow's rows in the split table (lib/aws/splitTable.ts).
 *
 * Every state change is one conditional write, so no transactions are needed and two readers
 * can never both commit a split: a claim bumps `leaseToken`, and commit/release hold only
 * while the row still carries the token they claimed with. Reads of single rows and listings
 * are strongly consistent; the status index (listExpiredLeases, listStalePending) is
 * eventually consistent, which the conditional writes that follow it make harmless.
 *
 * @example
 * const store = new DynamoSplitStore({ client: sharedDocumentClient(), tableName: 'adf-splits', flow: 'orders' });
 * const claimed = await store.claim('a.csv', context.awsRequestId, 120_000, message.token);
 * if (claimed) await store.commit(claimed.lease, { split, finished: true, records: 10, badRecords: 0, release: true });
 */
export class DynamoSplitStore implements ServerlessSplitStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly flow: string;
  private readonly finishedTtlDays: number;
  private readonly pageSize: number;
  private readonly createConcurrency: number;
  private readonly clock: () => number;

  constructor(options: DynamoSplitStoreOptions) {
    flowPartitionKey(options.flow); // validates the flow name
    const settings = { ...DYNAMO_SPLIT_STORE_DEFAULTS, ...withoutUndefined(options) };
    const parsed = optionsSchema.safeParse(settings);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.');
      throw new ConfigError(`${issue.message} (got ${JSON.stringify((settings as Record<string, unknown>)[field])})`, { context: { field } });
    }
    this.client = options.client;
    this.flow = options.flow;
    this.tableName = parsed.data.tableName;
    this.finishedTtlDays = parsed.data.finishedTtlDays;
    this.pageSize = parsed.data.pageSize;
    this.createConcurrency = parsed.data.createConcurrency;
    this.clock = options.clock ?? Date.now;
  }

  /** PutItem per split, `attribute_not_exists(pk)`: a split seen before is left as it is. */
  async createSplits(splits: SerializedSplit[]): Promise<SerializedSplit[]> {
    const created = await mapWithConcurrency(splits, this.createConcurrency, async (split) => {
      const item = newSplitItem(this.flow, split, this.clock());
      const put = new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' });
      return (await this.conditionalSend(() => this.client.send(put), 'create split', split.splitId)) !== undefined;
    });
    return splits.filter((_, index) => created[index]);
  }

  async get(splitId: string): Promise<SplitRow | undefined> {
    const get = new GetCommand({ TableName: this.tableName, Key: splitKey(this.flow, splitId), ConsistentRead: true });
    const { Item } = await this.send(() => this.client.send(get), 'get split', { splitId });
    return Item === undefined ? undefined : decodeSplitRow(Item);
  }

  async claim(splitId: string, owner: string, leaseMs: number, expectedToken?: number): Promise<ClaimResult | undefined> {
    const now = this.clock();
    const expiresAt = Math.floor(now + leaseMs);
    const claimable = '(#status = :pending OR (#status = :assigned AND #leaseExpiresAt < :now))';
    const condition = expectedToken === undefined ? claimable : `${claimable} AND #leaseToken = :expected`;
    const update = this.update(splitId, {
      condition,
      update:
        'SET #status = :assigned, #leaseOwner = :owner, #leaseToken = #leaseToken + :one, #leaseExpiresAt = :expiresAt, ' +
        '#updatedAt = :now, #gsi1pk = :index, #gsi1sk = :indexTime',
      values: {
        ':pending': SplitStatus.PENDING,
        ':assigned': SplitStatus.ASSIGNED,
        ':now': now,
        ...(expectedToken === undefined ? {} : { ':expected': expectedToken }),
        ':owner': owner,
        ':one': 1,
        ':expiresAt': expiresAt,
        ':index': statusIndexPartitionKey(this.flow, SplitStatus.ASSIGNED),
        ':indexTime': statusIndexSortKey(Math.max(0, expiresAt)),
      },
    });
    const row = await this.conditional(update, 'claim split', splitId);
    if (row === undefined) return undefined;
    return { lease: { splitId, owner, token: row.leaseToken, expiresAt }, row };
  }

  async commit(lease: Lease, commit: SplitCommit): Promise<SplitRow> {
    const now = this.clock();
    const status = commit.finished ? SplitStatus.FINISHED : commit.release ? SplitStatus.PENDING : SplitStatus.ASSIGNED;
    const set = ['#split = :split', '#records = #records + :records', '#badRecords = #badRecords + :badRecords', '#attempts = :zero', '#updatedAt = :now', '#status = :status'];
    const remove: string[] = [];
    const values: Record<string, unknown> = {
      ':token': lease.token,
      ':assigned': SplitStatus.ASSIGNED,
      ':split': toStoredJson(commit.split),
      ':records': commit.records,
      ':badRecords': commit.badRecords,
      ':zero': 0,
      ':now': now,
      ':status': status,
    };
    const sinkState = toStoredJson(commit.sinkState);
    if (sinkState === undefined) {
      remove.push('#sinkState');
    } else {
      set.push('#sinkState = :sinkState');
      values[':sinkState'] = sinkState;
    }
    if (status === SplitStatus.FINISHED) {
      remove.push('#gsi1pk', '#gsi1sk', '#leaseOwner', '#leaseExpiresAt');
      if (this.finishedTtlDays > 0) {
        set.push('#ttl = :ttl');
        values[':ttl'] = Math.floor(now / 1000) + this.finishedTtlDays * DAY_SECONDS;
      }
    } else if (status === SplitStatus.PENDING) {
      remove.push('#leaseOwner', '#leaseExpiresAt');
      set.push('#gsi1pk = :index', '#gsi1sk = :indexTime');
      values[':index'] = statusIndexPartitionKey(this.flow, SplitStatus.PENDING);
      values[':indexTime'] = statusIndexSortKey(now);
    }
    const update = this.update(lease.splitId, { condition: HOLDS_LEASE, update: setRemove(set, remove), values });
    const row = await this.conditional(update, 'commit split', lease.splitId);
    if (row === undefined) throw fencedOff(lease);
    return row;
  }

  /**
   * Without a read first: the PENDING write holds while attempts stay under the limit; if its
   * condition fails, the FAILED write is tried; if that fails too, the lease was lost.
   */
  async release(lease: Lease, error: string | undefined, maxAttempts: number): Promise<SplitRow> {
    const now = this.clock();
    const increment = error === undefined ? 0 : 1;
    // attempts + increment >= maxAttempts ⇔ attempts >= threshold
    const threshold = maxAttempts - increment;
    const base = {
      ':token': lease.token,
      ':assigned': SplitStatus.ASSIGNED,
      ':increment': increment,
      ':threshold': threshold,
      ':now': now,
      ...(error === undefined ? {} : { ':error': error }),
    };
    const set = ['#attempts = #attempts + :increment', '#updatedAt = :now', '#status = :status', ...(error === undefined ? [] : ['#lastError = :error'])];
    if (threshold > 0) {
      const toPending = this.update(lease.splitId, {
        condition: `${HOLDS_LEASE} AND #attempts < :threshold`,
        update: setRemove([...set, '#gsi1pk = :index', '#gsi1sk = :indexTime'], ['#leaseOwner', '#leaseExpiresAt']),
        values: {
          ...base,
          ':status': SplitStatus.PENDING,
          ':index': statusIndexPartitionKey(this.flow, SplitStatus.PENDING),
          ':indexTime': statusIndexSortKey(now),
        },
      });
      const row = await this.conditional(toPending, 'release split', lease.splitId);
      if (row !== undefined) return row;
    }
    const toFailed = this.update(lease.splitId, {
      condition: `${HOLDS_LEASE} AND #attempts >= :threshold`,
      update: setRemove(set, ['#leaseOwner', '#leaseExpiresAt', '#gsi1pk', '#gsi1sk']),
      values: { ...base, ':status': SplitStatus.FAILED },
    });
    const row = await this.conditional(toFailed, 'release split', lease.splitId);
    if (row === undefined) throw fencedOff(lease);
    return row;
  }

  /** Rows in sort-key order (split id, UTF-8 byte order), one Query page in memory at a time. */
  async *list(): AsyncIterable<SplitRow> {
    yield* this.query(
      {
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': flowPartitionKey(this.flow), ':prefix': SPLIT_SORT_KEY_PREFIX },
        ConsistentRead: true,
      },
      Number.POSITIVE_INFINITY,
      'list splits',
    );
  }

  listExpiredLeases(now: number, limit: number): AsyncIterable<SplitRow> {
    return this.queryIndex(SplitStatus.ASSIGNED, now, limit, 'list expired leases');
  }

  listStalePending(before: number, limit: number): AsyncIterable<SplitRow> {
    return this.queryIndex(SplitStatus.PENDING, before, limit, 'list stale pending splits');
  }

  async reclaimExpired(row: SplitRow, now: number, maxAttempts: number): Promise<SplitRow | undefined> {
    const updatedAt = this.clock();
    const attempts = row.attempts + 1;
    const failed = attempts >= maxAttempts;
    const set = ['#status = :status', '#leaseToken = #leaseToken + :one', '#attempts = :attempts', '#lastError = :error', '#updatedAt = :updatedAt'];
    const remove = ['#leaseOwner', '#leaseExpiresAt'];
    if (failed) remove.push('#gsi1pk', '#gsi1sk');
    else set.push('#gsi1pk = :index', '#gsi1sk = :indexTime');
    const update = this.update(row.splitId, {
      // `attempts` too: a late commit of the expired holder reset it without moving the token.
      condition: '#status = :assigned AND #leaseToken = :token AND #leaseExpiresAt < :now AND #attempts = :seenAttempts',
      update: setRemove(set, remove),
      values: {
        ':assigned': SplitStatus.ASSIGNED,
        ':token': row.leaseToken,
        ':now': now,
        ':seenAttempts': row.attempts,
        ':status': failed ? SplitStatus.FAILED : SplitStatus.PENDING,
        ':one': 1,
        ':attempts': attempts,
        ':error': LEASE_EXPIRED_ERROR,
        ':updatedAt': updatedAt,
        ...(failed ? {} : { ':index': statusIndexPartitionKey(this.flow, SplitStatus.PENDING), ':indexTime': statusIndexSortKey(updatedAt) }),
      },
    });
    const result = await this.conditional(update, 'reclaim expired lease', row.splitId);
    return result;
  }

  async touchPending(row: SplitRow): Promise<boolean> {
    const update = this.update(row.splitId, {
      condition: '#status = :pending AND #leaseToken = :token',
      update: 'SET #gsi1sk = :indexTime',
      values: { ':pending': SplitStatus.PENDING, ':token': row.leaseToken, ':indexTime': statusIndexSortKey(this.clock()) },
    });
    return (await this.conditional(update, 'touch pending split', row.splitId)) !== undefined;
  }

  /**
   * Reads every row's status, a page at a time: cost grows with the flow's size. A counter row
   * updated with each transition would answer in one read, at the price of a second write per
   * state change (a transaction, or drift); fine for now.
   */
  async countByStatus(): Promise<SplitCounts> {
    const counts: Record<SplitStatus, number> = { PENDING: 0, ASSIGNED: 0, FINISHED: 0, FAILED: 0 };
    const input: Omit<QueryCommandInput, 'TableName'> = {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ProjectionExpression: '#status',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#status': 'status' },
      ExpressionAttributeValues: { ':pk': flowPartitionKey(this.flow), ':prefix': SPLIT_SORT_KEY_PREFIX },
      ConsistentRead: true,
    };
    for await (const item of this.queryItems(input, Number.POSITIVE_INFINITY, 'count splits')) {
      const status = item.status as SplitStatus;
      if (status in counts) counts[status]++;
    }
    return counts;
  }

  async getEnumeratorState<E>(): Promise<E | undefined> {
    const item = await this.enumeratorItem();
    return item?.state === undefined ? undefined : (fromStoredJson(item.state) as E);
  }

  /** Unconditional: the enumerator is the row's only writer (one enumerator per flow at a time). */
  async putEnumeratorState<E>(state: E): Promise<void> {
    const stored = toStoredJson(state);
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: enumeratorKey(this.flow),
      UpdateExpression: stored === undefined ? 'SET #updatedAt = :now REMOVE #state' : 'SET #updatedAt = :now, #state = :state',
      ExpressionAttributeNames: { '#updatedAt': 'updatedAt', '#state': 'state' },
      ExpressionAttributeValues: { ':now': this.clock(), ...(stored === undefined ? {} : { ':state': stored }) },
    });
    await this.send(() => this.client.send(update), 'put enumerator state');
  }

  async getEnumeratorRow<C>(): Promise<EnumeratorRow<C> | undefined> {
    const item = await this.enumeratorItem();
    return item === undefined ? undefined : decodeEnumeratorRow<C>(item);
  }

  /** Unconditional, like putEnumeratorState; leaves `state` as it is. */
  async putEnumeratorRow<C>(row: Omit<EnumeratorRow<C>, 'updatedAt'>): Promise<void> {
    const cursor = toStoredJson(row.cursor);
    const set = ['#noMoreSplits = :noMoreSplits', '#complete = :complete', '#updatedAt = :now'];
    if (cursor !== undefined) set.push('#cursor = :cursor');
    const update = new UpdateCommand({
      TableName: this.tableName,
      Key: enumeratorKey(this.flow),
      UpdateExpression: setRemove(set, cursor === undefined ? ['#cursor'] : []),
      ExpressionAttributeNames: { '#noMoreSplits': 'noMoreSplits', '#complete': 'complete', '#updatedAt': 'updatedAt', '#cursor': 'cursor' },
      ExpressionAttributeValues: {
        ':noMoreSplits': row.noMoreSplits,
        ':complete': row.complete,
        ':now': this.clock(),
        ...(cursor === undefined ? {} : { ':cursor': cursor }),
      },
    });
    await this.send(() => this.client.send(update), 'put enumerator row');
  }

  private async enumeratorItem(): Promise<Record<string, unknown> | undefined> {
    const get = new GetCommand({ TableName: this.tableName, Key: enumeratorKey(this.flow), ConsistentRead: true });
    return (await this.send(() => this.client.send(get), 'get enumerator row')).Item;
  }

  /** `gsi1pk = FLOW#f#<status> AND gsi1sk < before`: the index holds only PENDING and ASSIGNED rows. */
  private queryIndex(status: 'ASSIGNED' | 'PENDING', before: number, limit: number, action: string): AsyncIterable<SplitRow> {
    return this.query(
      {
        IndexName: STATUS_LEASE_INDEX,
        KeyConditionExpression: '#gsi1pk = :index AND #gsi1sk < :before',
        ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk', '#gsi1sk': 'gsi1sk' },
        ExpressionAttributeValues: { ':index': statusIndexPartitionKey(this.flow, status), ':before': statusIndexSortKey(Math.max(0, Math.floor(before))) },
      },
      limit,
      action,
    );
  }

  private async *query(input: Omit<QueryCommandInput, 'TableName'>, limit: number, action: string): AsyncIterable<SplitRow> {
    for await (const item of this.queryItems(input, limit, action)) yield decodeSplitRow(item);
  }

  /** Pages through a Query, asking for no more than `limit` items overall. */
  private async *queryItems(input: Omit<QueryCommandInput, 'TableName'>, limit: number, action: string): AsyncIterable<Record<string, unknown>> {
    let remaining = limit;
    let startKey: Record<string, unknown> | undefined;
    while (remaining > 0) {
      const query = new QueryCommand({ ...input, TableName: this.tableName, Limit: Math.min(this.pageSize, remaining), ExclusiveStartKey: startKey });
      const page = await this.send(() => this.client.send(query), action);
      for (const item of page.Items ?? []) {
        if (remaining-- <= 0) return;
        yield item;
      }
      startKey = page.LastEvaluatedKey;
      if (startKey === undefined) return;
    }
  }

  private update(splitId: string, parts: { condition: string; update: string; values: Record<string, unknown> }): UpdateCommand {
    return new UpdateCommand({
      TableName: this.tableName,
      Key: splitKey(this.flow, splitId),
      ConditionExpression: parts.condition,
      UpdateExpression: parts.update,
      ExpressionAttributeNames: attributeNames(parts.condition, parts.update),
      ExpressionAttributeValues: parts.values,
      ReturnValues: 'ALL_NEW',
    });
  }

  /** A conditional UpdateItem: the row after it, or undefined when its condition failed. */
  private async conditional(command: UpdateCommand, action: string, splitId: string): Promise<SplitRow | undefined> {
    const output = await this.conditionalSend(() => this.client.send(command), action, splitId);
    return output === undefined ? undefined : decodeSplitRow(output.Attributes!);
  }

  private async conditionalSend<T>(call: () => Promise<T>, action: string, splitId: string): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) return undefined;
      throw wrapAwsError(error, `${action} ${splitId} in ${this.tableName}`, { splitId, table: this.tableName, flow: this.flow });
    }
  }

  /** Runs one call, wrapping a failure once into our error types. */
  private async send<T>(call: () => Promise<T>, action: string, context: ErrorContext = {}): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw wrapAwsError(error, `${action} in ${this.tableName}`, { ...context, table: this.tableName, flow: this.flow });
    }
  }
}

/** The writer still holds the lease it claimed: same token, still ASSIGNED. */
const HOLDS_LEASE = '#leaseToken = :token AND #status = :assigned';

function fencedOff(lease: Lease): FencedOffError {
  return new FencedOffError(`lease ${lease.token} on split ${lease.splitId} was taken over`, { context: { splitId: lease.splitId } });
}

function setRemove(set: string[], remove: string[]): string {
  return [set.length > 0 ? `SET ${set.join(', ')}` : '', remove.length > 0 ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean).join(' ');
}

/** `#name` placeholders used in the expressions → their attribute names (DynamoDB rejects unused ones). */
function attributeNames(...expressions: string[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const expression of expressions) for (const [token, name] of expression.matchAll(/#(\w+)/g)) names[token] = name!;
  return names;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
