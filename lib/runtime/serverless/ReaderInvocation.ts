import { ConfigError, FencedOffError, UntrustedSplitError } from '../../errors';
import { SplitStatus } from '../../coordination/SplitStore';
import type { Lease, SplitCommit, SplitRow } from '../../coordination/SplitStore';
import type { SplitMessage } from '../../coordination/SplitQueue';
import { InputStatus } from '../../source-support/RecordBatch';
import type { PollResult, RecordBatch } from '../../source-support/RecordBatch';
import type { SourceReader } from '../../source-support/SourceReader';
import type { SourceSplit } from '../../source-support/SourceSplit';
import { deserializeSplit, serializeSplit } from '../../source-support/SourceSplit';
import { effectiveMaxAttempts } from '../../source-support/Source';
import { refusalOf } from '../../source-support/SplitGuard';
import { applyTransform } from '../applyTransform';
import { sendFailureAlert } from './FailureAlert';
import { runAfterFinish } from './AfterFinishRun';
import { LeasedSinkWrites } from './LeasedSinkWrites';
import type { SplitSinkState } from './LeasedSinkWrites';
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
 * One split message, one bounded batch: claim → read → write → commit → continue.
 * Everything after the claim that goes wrong is settled here (the split is released for a
 * retry or failed), so the SQS message is always consumed; only errors before a claim
 * (the store unreachable) reach the caller and make SQS deliver the message again.
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
    let polled: PollResult<unknown, SourceSplit>;
    let sinks: LeasedSinkWrites | undefined;
    try {
      await reader.start();
      reader.addSplits([split]);
      reader.notifyNoMoreSplits();
      const started = Date.now();
      sinks = new LeasedSinkWrites(deps.sink, deps.deadLetter, lease);
      polled = await reader.poll({ maxRecords: config.batchSize, maxBytes: config.batchBytes, deadline: Date.now() + clock.remainingMs() - config.timeMarginMs });
      if (polled.batch) await writeAndCommit(deps, sinks, lease, row, polled.batch);
      else {
        const finished = polled.status === InputStatus.END_OF_INPUT;
        if (finished) await sinks.recover(sinkStateOf(row)); // a FINISHED split is never claimed again: nothing may stay staged
        const committed = await store.commit(lease, { split: row.split, finished, sinkState: row.sinkState, records: 0, badRecords: 0, release: true });
        if (committed.status === SplitStatus.FINISHED) await runAfterFinish(deps, committed.split, committed.afterFinishPending === true);
      }
      metrics.addMetric('batchDuration', MetricUnit.Milliseconds, Date.now() - started);
    } catch (e) {
      if (e instanceof FencedOffError) {
        logger.warn('fenced off: the lease was taken over while this reader ran; nothing committed', { splitId: message.splitId, token: lease.token });
        return 'fenced';
      }
      await closeReader();
      return await giveBack(deps, lease, message, e as Error, sinks && (() => sinks!.recover(sinkStateOf(row))));
    }
    // Committed, and the lease released with it: nothing from here on may release it again.
    return await continueAfterCommit(deps, reader, closeReader, message, lease, polled);
  } finally {
    await closeReader();
  }
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
 * After the commit: acknowledge the batch to the reader, then hand the split on. A failure here
 * loses nothing: unacknowledged stream entries are acknowledged by the split's next reader, and
 * a continuation that could not be sent is re-sent by the failure handler (stale PENDING).
 */
async function continueAfterCommit(deps: ServerlessDeps, reader: SourceReader<unknown, SourceSplit>, closeReader: () => Promise<void>, message: SplitMessage, lease: Lease, polled: PollResult<unknown, SourceSplit>): Promise<ReaderOutcome> {
  const { batch } = polled;
  if (batch) {
    try {
      await reader.notifyBatchCommitted(batch);
    } catch (e) {
      logger.warn('acknowledging a committed batch failed; the next reader of the split does it', { splitId: message.splitId, error: e as Error });
    }
  }
  await closeReader();
  if (batch ? batch.finished : polled.status === InputStatus.END_OF_INPUT) return 'finished';
  // More waits: hand on at once. Nothing read (an unbounded split caught up): after a growing pause.
  // Bad records are progress too: a run of undecodable or poison entries is not an idle split.
  const idleRounds = batch && batch.records.length + batch.badRecords.length > 0 ? 0 : (message.idleRounds ?? 0) + 1;
  try {
    await deps.queue.enqueue([{ flow: message.flow, splitId: message.splitId, token: lease.token, ...(idleRounds ? { idleRounds } : {}) }], idleRounds ? idleDelay(deps, idleRounds) : 0);
  } catch (e) {
    logger.error('continuation not sent; the failure handler re-sends it once the split has been PENDING for orphanAfterMs', { splitId: message.splitId, error: e as Error });
  }
  return batch ? 'committed' : 'idle';
}

async function writeAndCommit(deps: ServerlessDeps, sinks: LeasedSinkWrites, lease: Lease, row: SplitRow, batch: RecordBatch<unknown, SourceSplit>): Promise<void> {
  const transformed = await applyTransform(batch.records, deps.flow.transform, batch.splitId);
  const bad = [...batch.badRecords, ...transformed.badRecords];
  const previous = sinkStateOf(row);
  // A write must not start once the lease is past its invocation's deadline: another reader may
  // own the split by the time it lands. (On Lambda the timeout kills a reader first; the grace
  // part of the lease covers a write already under way.) Not a fence: a stalled writer can pass
  // this check and resume any time later, which is why the writers only stage (LeasedSinkWrites).
  if (Date.now() > lease.expiresAt - deps.config.leaseGraceMs) {
    throw new FencedOffError(`lease on ${batch.splitId} ran out before the batch was written`, { context: { splitId: batch.splitId } });
  }
  await sinks.recover(previous);
  const sinkState = await sinks.write(transformed.records, bad, previous);
  const committed = await commitAndPublish(deps, sinks, lease, previous, {
    split: serializeSplit(deps.flow.source.splitSerializer, batch.split),
    finished: batch.finished,
    sinkState,
    records: transformed.records.length,
    badRecords: bad.length,
    release: true,
  });
  if (batch.finished) await runAfterFinish(deps, committed.split, committed.afterFinishPending === true);
  metrics.addMetric('recordsIn', MetricUnit.Count, batch.records.length);
  metrics.addMetric('bytesIn', MetricUnit.Bytes, batch.bytes);
  metrics.addMetric('badRecords', MetricUnit.Count, bad.length);
  logger.info('batch committed', { splitId: batch.splitId, records: transformed.records.length, badRecords: bad.length, bytes: batch.bytes, finished: batch.finished });
}

/**
 * The fenced commit, then the staged batches made visible. A released split's next holder
 * publishes what this one could not; a FINISHED split has none, so its last batch is committed
 * with the lease kept, published, and only then finished.
 */
async function commitAndPublish(deps: ServerlessDeps, sinks: LeasedSinkWrites, lease: Lease, previous: SplitSinkState, commit: SplitCommit): Promise<SplitRow> {
  const state = commit.sinkState as SplitSinkState;
  const first = commit.finished && (await sinks.staged(state)) ? { ...commit, finished: false, release: false } : commit;
  let row: SplitRow;
  try {
    row = await deps.store.commit(lease, first);
  } catch (e) {
    if (e instanceof FencedOffError) await sinks.discard(state, previous).catch((err) => logger.warn('dropping a refused staged batch failed', { splitId: lease.splitId, error: err as Error }));
    throw e;
  }
  if (first === commit) {
    await sinks.publish(state).catch((e) => logger.warn('publishing a committed batch failed; the split\'s next holder publishes it', { splitId: lease.splitId, error: e as Error }));
    return row;
  }
  await sinks.publish(state);
  return await deps.store.commit(lease, { ...commit, records: 0, badRecords: 0 });
}

function sinkStateOf(row: SplitRow): SplitSinkState {
  return (row.sinkState ?? {}) as SplitSinkState;
}

function idleDelay(deps: ServerlessDeps, idleRounds: number): number {
  return Math.min(deps.config.maxIdleDelaySeconds, 2 ** Math.min(idleRounds - 1, 10));
}

/** The batch failed: back to PENDING for a retry after a backoff, or FAILED with a DLQ message at maxAttempts. */
async function giveBack(deps: ServerlessDeps, lease: Lease, message: SplitMessage, error: Error, recover?: () => Promise<void>): Promise<ReaderOutcome> {
  // A split that is not its source's is poison: FAILED at the first attempt, never retried.
  const untrusted = error instanceof UntrustedSplitError;
  if (untrusted) {
    logger.error('split refused: it names something outside its source; FAILED without reading it', { splitId: message.splitId, reason: error.message });
    metrics.addMetric('untrustedSplits', MetricUnit.Count, 1);
  } else logger.error('batch failed', { splitId: message.splitId, error });
  // The split may end FAILED here and never be claimed again: publish what was committed before.
  await recover?.().catch((e) => logger.warn('publishing the last committed batch failed', { splitId: message.splitId, error: e as Error }));
  let row: SplitRow;
  try {
    row = await deps.store.release(lease, error.message, untrusted ? 1 : effectiveMaxAttempts(deps.config.maxAttempts, deps.flow.source));
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
