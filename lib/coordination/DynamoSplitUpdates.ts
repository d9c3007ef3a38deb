import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { statusIndexPartitionKey, statusIndexSortKey } from '../aws/splitTable';
import { enumeratorKey, splitKey, toStoredJson } from './DynamoSplitRowCodec';
import type { EnumeratorRow } from './ServerlessSplitStore';
import { SplitStatus } from './SplitStore';
import type { Lease, SplitCommit, SplitRow } from './SplitStore';

/**
 * The write side of DynamoSplitStore: each state change of a split row as ONE conditional
 * UpdateItem (condition, update expression, values). Pure: no client, no clock; the store
 * passes `now` in and sends what these build.
 */

/** The error recorded when the failure handler takes back an expired lease. */
export const LEASE_EXPIRED_ERROR = 'lease expired before the reader committed (timeout or crash)';

/** The writer still holds the lease it claimed: same token, still ASSIGNED. */
const HOLDS_LEASE = '#leaseToken = :token AND #status = :assigned';

/** The `afterFinish` attribute of a FINISHED row whose after-finish action is still to be done. */
export const AFTER_FINISH_PENDING = 'PENDING';

/** One conditional update of a split row; `#name` placeholders are filled in by `splitUpdateCommand`. */
export interface UpdateParts {
  readonly condition: string;
  readonly update: string;
  readonly values: Record<string, unknown>;
}

/** PENDING, or ASSIGNED with an expired lease (and, when given, still at `expectedToken`) → ASSIGNED to `owner`, token + 1. */
export function claimUpdate(flow: string, owner: string, now: number, expiresAt: number, expectedToken: number | undefined): UpdateParts {
  const claimable = '(#status = :pending OR (#status = :assigned AND #leaseExpiresAt < :now))';
  return {
    condition: expectedToken === undefined ? claimable : `${claimable} AND #leaseToken = :expected`,
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
      ':index': statusIndexPartitionKey(flow, SplitStatus.ASSIGNED),
      ':indexTime': statusIndexSortKey(Math.max(0, expiresAt)),
    },
  };
}

/**
 * Fenced on the lease: the new position and totals, `attempts` reset. FINISHED leaves the index
 * (when `finishedTtlDays` > 0 it moves to AFTER_FINISH instead, see afterFinishSettledUpdate);
 * a released split goes back into it as PENDING.
 */
export function commitUpdate(flow: string, lease: Lease, commit: SplitCommit, now: number, finishedTtlDays: number): UpdateParts {
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
    remove.push('#leaseOwner', '#leaseExpiresAt');
    if (finishedTtlDays > 0) {
      // A row that may expire gets its TTL only once the after-finish action (delete/move the
      // file) is done (afterFinishSettledUpdate): a file left in place by a failed action must
      // not lose the row that stops it from being ingested again. Until then it waits in the
      // index for the reader, or the failure handler, to do the action.
      set.push('#afterFinish = :afterFinishPending', '#gsi1pk = :afterFinishIndex', '#gsi1sk = :indexTime');
      values[':afterFinishPending'] = AFTER_FINISH_PENDING;
      values[':afterFinishIndex'] = statusIndexPartitionKey(flow, 'AFTER_FINISH');
      values[':indexTime'] = statusIndexSortKey(now);
    } else {
      remove.push('#gsi1pk', '#gsi1sk');
    }
  } else if (status === SplitStatus.PENDING) {
    remove.push('#leaseOwner', '#leaseExpiresAt');
    set.push('#gsi1pk = :index', '#gsi1sk = :indexTime');
    values[':index'] = statusIndexPartitionKey(flow, SplitStatus.PENDING);
    values[':indexTime'] = statusIndexSortKey(now);
  }
  return { condition: HOLDS_LEASE, update: setRemove(set, remove), values };
}

/**
 * The two writes of a release, tried in this order without a read first: `toPending` holds
 * while attempts stay under the limit (undefined when no attempt is left at all), `toFailed`
 * holds otherwise. If neither holds, the lease was lost.
 */
export function releaseUpdates(flow: string, lease: Lease, error: string | undefined, maxAttempts: number, now: number): { toPending?: UpdateParts; toFailed: UpdateParts } {
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
  const toPending: UpdateParts | undefined =
    threshold > 0
      ? {
          condition: `${HOLDS_LEASE} AND #attempts < :threshold`,
          update: setRemove([...set, '#gsi1pk = :index', '#gsi1sk = :indexTime'], ['#leaseOwner', '#leaseExpiresAt']),
          values: {
            ...base,
            ':status': SplitStatus.PENDING,
            ':index': statusIndexPartitionKey(flow, SplitStatus.PENDING),
            ':indexTime': statusIndexSortKey(now),
          },
        }
      : undefined;
  const toFailed: UpdateParts = {
    condition: `${HOLDS_LEASE} AND #attempts >= :threshold`,
    update: setRemove([...set, '#gsi1pk = :index', '#gsi1sk = :indexTime'], ['#leaseOwner', '#leaseExpiresAt']),
    values: { ...base, ':status': SplitStatus.FAILED, ...unreportedIndex(flow, now) },
  };
  return toPending === undefined ? { toFailed } : { toPending, toFailed };
}

/** An expired lease taken back as seen in `row` (expired at `now`): PENDING again, or FAILED (unreported) at `maxAttempts`. */
export function reclaimUpdate(flow: string, row: SplitRow, now: number, maxAttempts: number, updatedAt: number): UpdateParts {
  const attempts = row.attempts + 1;
  const failed = attempts >= maxAttempts;
  const set = ['#status = :status', '#leaseToken = #leaseToken + :one', '#attempts = :attempts', '#lastError = :error', '#updatedAt = :updatedAt'];
  const remove = ['#leaseOwner', '#leaseExpiresAt'];
  set.push('#gsi1pk = :index', '#gsi1sk = :indexTime');
  return {
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
      ...(failed ? unreportedIndex(flow, updatedAt) : { ':index': statusIndexPartitionKey(flow, SplitStatus.PENDING), ':indexTime': statusIndexSortKey(updatedAt) }),
    },
  };
}

/**
 * An unreported failure whose alert may be sent by the caller now: it failed (or was last
 * tried) before `before`. Moving its time to `now` lets only one of two failure handlers
 * that saw it send, and puts a failed send at the back until `before` passes it again.
 */
export function failureReportClaimUpdate(flow: string, before: number, now: number): UpdateParts {
  return {
    condition: '#status = :failed AND #gsi1pk = :index AND #gsi1sk < :before',
    update: 'SET #gsi1sk = :indexTime',
    values: { ':failed': SplitStatus.FAILED, ':before': statusIndexSortKey(Math.max(0, Math.floor(before))), ...unreportedIndex(flow, now) },
  };
}

/** The failure's alert was sent: the row leaves the index for good. */
export function failureReportedUpdate(flow: string, row: SplitRow): UpdateParts {
  return {
    condition: '#status = :failed AND #leaseToken = :token AND #gsi1pk = :index',
    update: 'REMOVE #gsi1pk, #gsi1sk',
    values: { ':failed': SplitStatus.FAILED, ':token': row.leaseToken, ':index': statusIndexPartitionKey(flow, SplitStatus.FAILED) },
  };
}

/** A FAILED row stays in the index, under FLOW#f#FAILED, until its dead-letter alert was sent. */
function unreportedIndex(flow: string, now: number): Record<string, string> {
  return { ':index': statusIndexPartitionKey(flow, SplitStatus.FAILED), ':indexTime': statusIndexSortKey(now) };
}

/**
 * The UpdateItem of a split row, returning the row after it. `writeId` (new for each call of
 * the store) is written with the change and the write holds only while the row does not
 * carry it yet: an SDK retry of a write whose response was lost fails its condition instead
 * of applying twice, and the old row it returns (ReturnValuesOnConditionCheckFailure) shows
 * the store its own write, which it then reports as done (DynamoSplitClient.updateRow).
 */
export function splitUpdateCommand(tableName: string, flow: string, splitId: string, parts: UpdateParts, writeId: string): UpdateCommand {
  // No parentheses around parts.condition (DynamoDB refuses redundant ones): none has a top-level OR.
  const condition = `${parts.condition} AND ${NOT_WRITTEN_YET}`;
  const update = addSet(parts.update, '#writeId = :writeId');
  return new UpdateCommand({
    TableName: tableName,
    Key: splitKey(flow, splitId),
    ConditionExpression: condition,
    UpdateExpression: update,
    ExpressionAttributeNames: attributeNames(condition, update),
    ExpressionAttributeValues: { ...parts.values, ':writeId': writeId },
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  });
}

/** The write's condition part that makes it apply at most once (see splitUpdateCommand). */
const NOT_WRITTEN_YET = '(attribute_not_exists(#writeId) OR #writeId <> :writeId)';

/** `SET a, b REMOVE c` + `d` → `SET a, b, d REMOVE c`. */
function addSet(update: string, assignment: string): string {
  if (update.startsWith('SET ')) return update.replace(/^SET (.*?)( REMOVE |$)/, (_m, sets: string, rest: string) => `SET ${sets}, ${assignment}${rest}`);
  return `SET ${assignment} ${update}`;
}

/** Unconditional: the enumerator is the row's only writer (one enumerator per flow at a time). */
export function enumeratorStateCommand(tableName: string, flow: string, state: unknown, now: number): UpdateCommand {
  const stored = toStoredJson(state);
  return new UpdateCommand({
    TableName: tableName,
    Key: enumeratorKey(flow),
    UpdateExpression: stored === undefined ? 'SET #updatedAt = :now REMOVE #state' : 'SET #updatedAt = :now, #state = :state',
    ExpressionAttributeNames: { '#updatedAt': 'updatedAt', '#state': 'state' },
    ExpressionAttributeValues: { ':now': now, ...(stored === undefined ? {} : { ':state': stored }) },
  });
}

/** Unconditional, like the state; leaves `state` as it is. */
export function enumeratorRowCommand<C>(tableName: string, flow: string, row: Omit<EnumeratorRow<C>, 'updatedAt'>, now: number): UpdateCommand {
  const cursor = toStoredJson(row.cursor);
  const set = ['#noMoreSplits = :noMoreSplits', '#complete = :complete', '#updatedAt = :now'];
  if (cursor !== undefined) set.push('#cursor = :cursor');
  return new UpdateCommand({
    TableName: tableName,
    Key: enumeratorKey(flow),
    UpdateExpression: setRemove(set, cursor === undefined ? ['#cursor'] : []),
    ExpressionAttributeNames: { '#noMoreSplits': 'noMoreSplits', '#complete': 'complete', '#updatedAt': 'updatedAt', '#cursor': 'cursor' },
    ExpressionAttributeValues: {
      ':noMoreSplits': row.noMoreSplits,
      ':complete': row.complete,
      ':now': now,
      ...(cursor === undefined ? {} : { ':cursor': cursor }),
    },
  });
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
