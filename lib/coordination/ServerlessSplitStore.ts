import type { SplitRow, SplitStore } from './SplitStore';

/** Counts of rows by status, for `adf status` and the flow-complete check. */
export interface SplitCounts {
  readonly PENDING: number;
  readonly ASSIGNED: number;
  readonly FINISHED: number;
  readonly FAILED: number;
}

/** The enumerator's own row: discovery cursor and whether discovery is done. */
export interface EnumeratorRow<C = unknown> {
  readonly cursor?: C;
  readonly noMoreSplits: boolean;
  readonly complete: boolean;
  readonly updatedAt: number;
}

/**
 * What the serverless runtime needs beyond SplitStore: finding work the failure handler must
 * recover. Implemented by DynamoSplitStore (the GSI `byStatusLease` answers both queries).
 */
export interface ServerlessSplitStore extends SplitStore {
  /** ASSIGNED rows whose lease expired before `now`. */
  listExpiredLeases(now: number, limit: number): AsyncIterable<SplitRow>;
  /** PENDING rows not touched since `before` (their message may be lost). */
  listStalePending(before: number, limit: number): AsyncIterable<SplitRow>;
  /**
   * An expired lease → PENDING with token + 1 and one more failed attempt ("lease expired"),
   * or FAILED at `maxAttempts`. Conditional on the row still having `row.leaseToken` and an
   * expired lease; undefined when someone else moved it first.
   */
  reclaimExpired(row: SplitRow, now: number, maxAttempts: number): Promise<SplitRow | undefined>;
  /**
   * Marks a PENDING row as looked at now (conditional on its token), so it is not stale again at
   * once; with `resent` (the default) also that a message was re-sent for its token (`resentToken`).
   */
  touchPending(row: SplitRow, resent?: boolean): Promise<boolean>;
  /** FINISHED rows whose after-finish action is still to be done, last tried (or finished) before `before`. */
  listAfterFinishPending(before: number, limit: number): AsyncIterable<SplitRow>;
  /** The after-finish action is done: the row leaves the index and gets its TTL. False when it was settled already. */
  settleAfterFinish(splitId: string): Promise<boolean>;
  /** The action failed (`error`), or waits for sibling splits (no error): the row stays pending, to be tried again after `orphanAfterMs`. */
  deferAfterFinish(splitId: string, error?: string): Promise<boolean>;
  /**
   * FAILED rows whose dead-letter alert was never confirmed sent, failed (or last tried)
   * before `before`. A row turns FAILED first and is alerted after, so a crash or a failed
   * send in between leaves it here for the failure handler to alert again.
   */
  listUnreportedFailures(before: number, limit: number): AsyncIterable<SplitRow>;
  /** Takes the alert of an unreported failure listed with `before` (conditional: one caller wins; a failed send retries after `before` passes it again). */
  claimFailureReport(row: SplitRow, before: number): Promise<boolean>;
  /** Its alert was sent: the failure is no longer unreported. */
  markFailureReported(row: SplitRow): Promise<boolean>;
  countByStatus(): Promise<SplitCounts>;
  getEnumeratorRow<C>(): Promise<EnumeratorRow<C> | undefined>;
  putEnumeratorRow<C>(row: Omit<EnumeratorRow<C>, 'updatedAt'>): Promise<void>;
}
