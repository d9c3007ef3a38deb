import { ConfigError, FencedOffError, SplitCannotFinishError, UntrustedSplitError } from '../../errors';
import { SplitStatus } from '../../coordination/SplitStore';
import type { Lease, SplitRow } from '../../coordination/SplitStore';
import type { SplitMessage } from '../../coordination/SplitQueue';
import type { SourceSplit } from '../../source-support/SourceSplit';
import { deserializeSplit } from '../../source-support/SourceSplit';
import { effectiveMaxAttempts } from '../../source-support/Source';
import { refusalOf } from '../../source-support/SplitGuard';
import { sendFailureAlert } from './FailureAlert';
import { HeldSplitBatches } from './HeldSplitBatches';
import type { HeldSplitEnd } from './HeldSplitBatches';
import { logger, metrics, MetricUnit } from './observability';
import type { ServerlessDeps } from './ServerlessDeps';

export type ReaderOutcome = 'committed' | 'finished' | 'idle' | 'dropped' | 'deferred' | 'fenced' | 'retrying' | 'failed';

export interface InvocationClock {
  readonly owner: string;
  remainingMs(): number;
  /** The invocation's first message (it is never deferred for lack of time). */
  readonly firstMessage?: boolean;
}

/**
 * One split message: claim → hold the split for batch after batch while the invocation's time
 * lasts (HeldSplitBatches) → hand it on with one message. Everything after the claim that goes
 * wrong is settled here (the split is released for a retry or failed), so the SQS message is
 * always consumed; only errors before a claim (the store unreachable) reach the caller and make
 * SQS deliver the message again.
 */
export async function processSplitMessage(deps: ServerlessDeps, message: SplitMessage, clock: InvocationClock): Promise<ReaderOutcome> {
  const { config, store } = deps;
  refuseForeignFlow(deps, message);
  if (!clock.firstMessage && clock.remainingMs() < 2 * config.timeMarginMs) {
    // Reached late in an SQS batch: too little time left to read anything. Hand the message on
    // unclaimed (same token) rather than claim, read nothing and back off as if idle. The first
    // message of an invocation is always tried: with a timeout under two margins, every message
    // would otherwise be handed on forever.
    await deps.queue.enqueue([message]);
    return 'deferred';
  }
  const claimed = await store.claim(message.splitId, clock.owner, clock.remainingMs() + config.leaseGraceMs, message.token);
  if (!claimed) {
    logger.debug('split not claimable: live lease, finished, or a stale message', { splitId: message.splitId, token: message.token });
    return 'dropped';
  }
  const { lease, row } = claimed;
  const split = await trustedSplit(deps, row);
  if (typeof split === 'string') return await giveBack(deps, lease, message, new UntrustedSplitError(split, { context: { splitId: message.splitId } }));
  const reader = deps.flow.source.createReader({ readerId: 0, sendSplitRequest: () => undefined });
  // Closed before any message hands the split on: a reader's cleanup (a Rafka reader leaves
  // its partition and resets the counters of entries it read) must not run after the next
  // holder took the split over, or it would undo that takeover.
  let closing: Promise<void> | undefined;
  const closeReader = () => (closing ??= reader.close().catch((e) => logger.warn('reader close failed', { error: e as Error })));
  try {
    let held: HeldSplitBatches | undefined;
    let end: HeldSplitEnd;
    try {
      await reader.start();
      reader.addSplits([split]);
      reader.notifyNoMoreSplits();
      held = new HeldSplitBatches(deps, reader, lease, row, clock.remainingMs());
      end = await held.run();
    } catch (e) {
      if (e instanceof FencedOffError) {
        logger.warn('fenced off: the lease was taken over while this reader ran; nothing more committed', { splitId: message.splitId, token: lease.token });
        return 'fenced';
      }
      await closeReader();
      const hold = held;
      const recover = hold && (() => hold.sinks.recover(hold.sinkState()));
      // A split that cannot finish in an invocation fails at once, but only when it had a whole
      // invocation: one reached late in an SQS batch is tried again with the full time.
      const cannotFinish = e instanceof SplitCannotFinishError && clock.firstMessage !== false;
      return await giveBack(deps, lease, message, e as Error, recover, cannotFinish);
    }
    // Released with the last commit: nothing from here on may release it again.
    await closeReader();
    if (end === 'finished') return 'finished';
    return await handOn(deps, message, lease, end === 'idle' ? idleRoundsAfter(message, held.progressed) : 0, held.progressed);
  } finally {
    await closeReader();
  }
}

/** Idle rounds so far: reset by a hold that read anything (bad records are progress too). */
function idleRoundsAfter(message: SplitMessage, progressed: boolean): number {
  return progressed ? 1 : (message.idleRounds ?? 0) + 1;
}

/**
 * The row's split, once its source has checked it (Source.validateSplit), or why it is refused:
 * the table is writable by more than the enumerator, and a row naming a file, bucket or stream
 * outside the source must fail before anything is opened, not be read. An undecodable row is
 * refused too: it can only be a corrupted or forged one.
 */
async function trustedSplit(deps: ServerlessDeps, row: SplitRow): Promise<SourceSplit | string> {
  let split: SourceSplit;
  try {
    split = deserializeSplit(deps.flow.source.splitSerializer, row.split);
  } catch (e) {
    return `split ${row.splitId} refused, never read: its row does not decode (${(e as Error).message})`;
  }
  const refused = await refusalOf(deps.flow.source, split);
  if (refused !== undefined) return refused;
  return split.splitId === row.splitId ? split : `split ${row.splitId} refused, never read: its row holds split ${split.splitId}`;
}

/**
 * A message of another flow (a queue shared by two flows) is refused loudly, never dropped:
 * this flow's store knows nothing of its split, so a claim would find nothing and the other
 * flow would stall. The throw fails just this record of the SQS batch: it comes back after the
 * visibility timeout (for the right reader, if one polls this queue) and, refused every time,
 * lands in the DLQ after maxReceiveCount receives (see parseDeadLetterMessage). One queue per flow.
 */
function refuseForeignFlow(deps: ServerlessDeps, message: SplitMessage): void {
  if (message.flow === deps.flow.name) return;
  metrics.addMetric('foreignFlowMessages', MetricUnit.Count, 1);
  throw new ConfigError(`split message for flow "${message.flow}" reached the reader of flow "${deps.flow.name}": each flow needs a split queue of its own; left on the queue`, {
    context: { splitId: message.splitId, flow: message.flow, field: 'ADF_SPLIT_QUEUE_URL' },
  });
}

/**
 * Hands the released split on: at once when it has more to read, after a growing pause (1, 2,
 * 4 … s, at most maxIdleDelay) when it idled. A continuation that could not be sent loses
 * nothing: the failure handler re-sends it once the split has been PENDING for orphanAfterMs.
 */
async function handOn(deps: ServerlessDeps, message: SplitMessage, lease: Lease, idleRounds: number, progressed: boolean): Promise<ReaderOutcome> {
  try {
    await deps.queue.enqueue([{ flow: message.flow, splitId: message.splitId, token: lease.token, ...(idleRounds ? { idleRounds } : {}) }], idleRounds ? idleDelay(deps, idleRounds) : 0);
  } catch (e) {
    logger.error('continuation not sent; the failure handler re-sends it once the split has been PENDING for orphanAfterMs', { splitId: message.splitId, error: e as Error });
  }
  return progressed ? 'committed' : 'idle';
}

function idleDelay(deps: ServerlessDeps, idleRounds: number): number {
  return Math.min(deps.config.maxIdleDelaySeconds, 2 ** Math.min(idleRounds - 1, 10));
}

/** The batch failed: back to PENDING for a retry after a backoff, or FAILED with a DLQ message at maxAttempts. */
async function giveBack(deps: ServerlessDeps, lease: Lease, message: SplitMessage, error: Error, recover?: () => Promise<void>, cannotFinish = false): Promise<ReaderOutcome> {
  // A split that is not its source's is poison, and one that cannot finish would only burn its
  // attempts: FAILED at the first attempt, never retried.
  const untrusted = error instanceof UntrustedSplitError;
  const atOnce = untrusted || cannotFinish;
  if (untrusted) {
    logger.error('split refused: it names something outside its source; FAILED without reading it', { splitId: message.splitId, reason: error.message });
    metrics.addMetric('untrustedSplits', MetricUnit.Count, 1);
  } else logger.error('batch failed', { splitId: message.splitId, error });
  // The split may end FAILED here and never be claimed again: publish what was committed before.
  await recover?.().catch((e) => logger.warn('publishing the last committed batch failed', { splitId: message.splitId, error: e as Error }));
  let row: SplitRow;
  try {
    row = await deps.store.release(lease, error.message, atOnce ? 1 : effectiveMaxAttempts(deps.config.maxAttempts, deps.flow.source));
  } catch (e) {
    // Failed after the lease passed on (e.g. its write aborted when the lease ran out): the new holder has the split.
    if (e instanceof FencedOffError) return 'fenced';
    throw e;
  }
  if (row.status === SplitStatus.FAILED) {
    // Not sent (logged): the row stays unreported and the failure handler sends it again.
    await sendFailureAlert(deps, row, error.message);
    metrics.addMetric('splitsFailed', MetricUnit.Count, 1);
    return 'failed';
  }
  await deps.queue.enqueue([{ flow: message.flow, splitId: message.splitId, token: row.leaseToken }], Math.min(900, 2 ** row.attempts));
  return 'retrying';
}
