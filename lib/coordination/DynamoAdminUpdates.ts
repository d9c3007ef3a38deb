import { statusIndexPartitionKey, statusIndexSortKey } from '../aws/splitTable';
import { toStoredJson } from './DynamoSplitRowCodec';
import type { UpdateParts } from './DynamoSplitUpdates';
import { SplitStatus } from './SplitStore';
import type { SplitRow } from './SplitStore';
import type { SerializedSplit } from '../source-support/SourceSplit';

/**
 * The operator's writes on a split row (`adf retry`, `adf reset`), pure like
 * DynamoSplitUpdates: each is one conditional update the store sends with its writeId. Each
 * appends an audit line (who, when, what) to the row's `audit` list.
 */

/** FAILED → PENDING, attempts reset, back in the PENDING index (the failure handler re-sends a lost message). */
export function retryUpdate(flow: string, now: number, audit: string): UpdateParts {
  return {
    condition: '#status = :failed',
    update: 'SET #status = :pending, #attempts = :zero, #updatedAt = :now, #gsi1pk = :index, #gsi1sk = :indexTime, #audit = list_append(if_not_exists(#audit, :none), :audit)',
    values: {
      ':failed': SplitStatus.FAILED,
      ':pending': SplitStatus.PENDING,
      ':zero': 0,
      ':now': now,
      ':index': statusIndexPartitionKey(flow, SplitStatus.PENDING),
      ':indexTime': statusIndexSortKey(now),
      ':none': [],
      ':audit': [audit],
    },
  };
}

/**
 * The split at a new position (`split`), PENDING with attempts reset and token + 1, so a
 * holder's later commit is fenced off. Conditional on the token seen, and, unless `force`, on
 * no live lease: an ASSIGNED row must have expired before `now`.
 */
export function resetUpdate(flow: string, seen: SplitRow, split: SerializedSplit, now: number, force: boolean, audit: string): UpdateParts {
  const unheld = force ? '' : ' AND (#status <> :assigned OR #leaseExpiresAt < :now)';
  return {
    condition: `#leaseToken = :token${unheld}`,
    update:
      'SET #split = :split, #status = :pending, #attempts = :zero, #leaseToken = #leaseToken + :one, #updatedAt = :now, #gsi1pk = :index, #gsi1sk = :indexTime, ' +
      '#audit = list_append(if_not_exists(#audit, :none), :audit) REMOVE #leaseOwner, #leaseExpiresAt, #afterFinish, #ttl',
    values: {
      ':token': seen.leaseToken,
      ...(force ? {} : { ':assigned': SplitStatus.ASSIGNED }),
      ':now': now,
      ':split': toStoredJson(split),
      ':pending': SplitStatus.PENDING,
      ':zero': 0,
      ':one': 1,
      ':index': statusIndexPartitionKey(flow, SplitStatus.PENDING),
      ':indexTime': statusIndexSortKey(now),
      ':none': [],
      ':audit': [audit],
    },
  };
}
