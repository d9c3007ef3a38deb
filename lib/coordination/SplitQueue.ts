/**
 * A message that asks some reader to take one batch of a split. `token` is the split's lease
 * token when the message was sent; a claim with an older token is stale and dropped, so
 * duplicates and lost-then-recovered messages never start a second chain for one split.
 */
export interface SplitMessage {
  readonly flow: string;
  readonly splitId: string;
  readonly token: number;
  /** Consecutive empty polls of an unbounded split; sets the growing delay of the next one. */
  readonly idleRounds?: number;
}

/** A split that ran out of attempts, as it lands in the dead-letter queue. */
export interface FailedSplitMessage extends SplitMessage {
  readonly error: string;
  readonly attempts: number;
}

/**
 * The queue that drives serverless readers (SQS). Sends are batched (10 per request) and
 * entries the service rejects are retried; what still fails is thrown, never dropped.
 *
 * @example
 * await queue.enqueue([{ flow: 'orders', splitId: 'a.csv', token: 0 }]);
 */
export interface SplitQueue {
  enqueue(messages: SplitMessage[], delaySeconds?: number): Promise<void>;
  deadLetter(message: FailedSplitMessage): Promise<void>;
  /**
   * Moves a body no reader can parse to the dead-letter queue as it is (the `unreadable` kind of
   * parseDeadLetterMessage), with the reason as a message attribute, instead of letting SQS
   * deliver it ten times over two hours first. Optional for queues that have no DLQ.
   */
  deadLetterUnreadable?(body: string, reason: string): Promise<void>;
  /**
   * Optional: messages on the queue now (approximate: waiting, delayed and in flight). The
   * failure handler holds back a second re-send for a split while this is above zero: the first
   * one is still queued, and re-sending each waiting split again would multiply a backlog.
   */
  messagesOnQueue?(): Promise<number>;
}
