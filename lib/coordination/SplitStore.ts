import type { SerializedSplit } from '../source-support/SourceSplit';

/**
 * Split lifecycle: PENDING → ASSIGNED → (PENDING … →) FINISHED | FAILED.
 *
 * @example
 * if ((await store.get(id))?.status === SplitStatus.FINISHED) archive(id);
 */
export const SplitStatus = {
  PENDING: 'PENDING',
  ASSIGNED: 'ASSIGNED',
  FINISHED: 'FINISHED',
  FAILED: 'FAILED',
} as const;
export type SplitStatus = (typeof SplitStatus)[keyof typeof SplitStatus];

/** One split's row: its checkpoint (the split itself, at its committed position) and lease. */
export interface SplitRow {
  readonly splitId: string;
  readonly split: SerializedSplit;
  readonly status: SplitStatus;
  readonly leaseOwner?: string;
  /** Grows by one on every claim; a commit must present the token it claimed with. */
  readonly leaseToken: number;
  /** Epoch ms; an ASSIGNED row past this may be claimed by another reader. */
  readonly leaseExpiresAt?: number;
  /** Failed attempts since the last commit: progress resets it, so only a split stuck at one position fails. */
  readonly attempts: number;
  readonly lastError?: string;
  /** The sink's position for this split (e.g. bytes of a part file), committed with the split. */
  readonly sinkState?: unknown;
  readonly records: number;
  readonly badRecords: number;
  readonly updatedAt: number;
  /**
   * FINISHED, and the source's after-finish action (e.g. delete or move the file) is still to
   * be done: the row must not expire yet (serverless store only). Absent once it is done.
   */
  readonly afterFinishPending?: boolean;
  /** Why the last try of the pending after-finish action failed. */
  readonly afterFinishError?: string;
  /** PENDING: the token the failure handler last re-sent a message for (serverless store only). */
  readonly resentToken?: number;
  /** Operator changes (`adf retry`, `adf reset`…), one line each: who, when, what. */
  readonly audit?: readonly string[];
}

/** Proof of a claim; commits are fenced by `token`. */
export interface Lease {
  readonly splitId: string;
  readonly owner: string;
  readonly token: number;
  readonly expiresAt: number;
}

export interface SplitCommit {
  readonly split: SerializedSplit;
  readonly finished: boolean;
  readonly sinkState?: unknown;
  /** Records and bad records in this batch; the store keeps the running totals. */
  readonly records: number;
  readonly badRecords: number;
  /**
   * Give up the lease with the commit: an unfinished split goes back to PENDING (a Lambda
   * reader ends after one batch and hands on with a continuation message). Embedded readers
   * keep the lease and read on.
   */
  readonly release?: boolean;
}

export interface ClaimResult {
  readonly lease: Lease;
  readonly row: SplitRow;
}

/**
 * Where split progress lives: a local directory embedded, a DynamoDB table on AWS.
 * Every state change is conditional, so two readers can never both commit one split.
 *
 * @example
 * const claimed = await store.claim('a.csv', 'reader-0', 60_000);
 * if (claimed) await store.commit(claimed.lease, { split, finished: true, records: 10, badRecords: 0 });
 */
export interface SplitStore {
  /** Creates rows for splits not seen before (PENDING) and returns just those. */
  createSplits(splits: SerializedSplit[]): Promise<SerializedSplit[]>;
  get(splitId: string): Promise<SplitRow | undefined>;
  /**
   * PENDING, or ASSIGNED with an expired lease → ASSIGNED to `owner` with token + 1.
   * Returns undefined when a live lease holds the split or it is FINISHED/FAILED, or when
   * `expectedToken` is given and the row's token differs: the message that asked was sent
   * before a later claim, so it is stale (this keeps one chain of messages per split).
   */
  claim(splitId: string, owner: string, leaseMs: number, expectedToken?: number): Promise<ClaimResult | undefined>;
  /** Fenced on the lease token: throws FencedOffError when the lease was taken over. Resets `attempts`. */
  commit(lease: Lease, commit: SplitCommit): Promise<SplitRow>;
  /** Gives the split back as PENDING, counting a failed attempt; FAILED at `maxAttempts`. */
  release(lease: Lease, error: string | undefined, maxAttempts: number): Promise<SplitRow>;
  list(): AsyncIterable<SplitRow>;
  getEnumeratorState<E>(): Promise<E | undefined>;
  putEnumeratorState<E>(state: E): Promise<void>;
}
