import { statusIndexSortKey } from '../aws/splitTable';
import type { UpdateParts } from './DynamoSplitUpdates';
import { SplitStatus } from './SplitStore';
import type { SplitRow } from './SplitStore';

/**
 * The failure handler's write on a stale PENDING row (pure, like DynamoSplitUpdates): to the
 * back of the index (its time becomes `now`), unless it was claimed since it was seen, and,
 * when a message was re-sent for it, `resentToken` = its token: a second re-send for the same
 * token is then held back while the queue still holds messages (see runFailureHandler).
 */
export function touchPendingUpdate(row: SplitRow, now: number, resent: boolean): UpdateParts {
  return {
    condition: '#status = :pending AND #leaseToken = :token',
    update: resent ? 'SET #gsi1sk = :indexTime, #resentToken = :token' : 'SET #gsi1sk = :indexTime',
    values: { ':pending': SplitStatus.PENDING, ':token': row.leaseToken, ':indexTime': statusIndexSortKey(now) },
  };
}
