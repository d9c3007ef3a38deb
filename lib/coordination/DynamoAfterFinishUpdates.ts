import { statusIndexSortKey } from '../aws/splitTable';
import { AFTER_FINISH_PENDING, type UpdateParts } from './DynamoSplitUpdates';
import { SplitStatus } from './SplitStore';

/**
 * The writes that end a FINISHED row's wait for its after-finish action (see commitUpdate):
 * settled (the action is done: the row may now expire) or tried and failed (it stays, with the
 * error, and moves to the back of the AFTER_FINISH index for the failure handler's next try).
 * Pure, like DynamoSplitUpdates.
 */

const DAY_SECONDS = 24 * 3600;

/** Only a FINISHED row still waiting for its action: a second settle (two last ranges of a file) changes nothing. */
const WAITING = '#status = :finished AND #afterFinish = :afterFinishPending';

/** The action is done: the TTL (when `finishedTtlDays` > 0) and out of the index. */
export function afterFinishSettledUpdate(now: number, finishedTtlDays: number): UpdateParts {
  const set = ['#updatedAt = :now'];
  const values: Record<string, unknown> = { ':finished': SplitStatus.FINISHED, ':afterFinishPending': AFTER_FINISH_PENDING, ':now': now };
  if (finishedTtlDays > 0) {
    set.push('#ttl = :ttl');
    values[':ttl'] = Math.floor(now / 1000) + finishedTtlDays * DAY_SECONDS;
  }
  return { condition: WAITING, update: `SET ${set.join(', ')} REMOVE #afterFinish, #afterFinishError, #gsi1pk, #gsi1sk`, values };
}

/** The action failed (`error`) or cannot run yet (no error: other ranges of the file are not FINISHED): try again later. */
export function afterFinishDeferredUpdate(now: number, error: string | undefined): UpdateParts {
  return {
    condition: WAITING,
    update: error === undefined ? 'SET #gsi1sk = :indexTime' : 'SET #gsi1sk = :indexTime, #afterFinishError = :error',
    values: { ':finished': SplitStatus.FINISHED, ':afterFinishPending': AFTER_FINISH_PENDING, ':indexTime': statusIndexSortKey(now), ...(error === undefined ? {} : { ':error': error }) },
  };
}
