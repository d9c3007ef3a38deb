import { FencedOffError } from '../../errors';
import { SplitStatus } from '../../coordination/SplitStore';
import type { Lease, SplitRow } from '../../coordination/SplitStore';
import type { SplitMessage } from '../../coordination/SplitQueue';
import { InputStatus } from '../../source-support/RecordBatch';
import type { RecordBatch } from '../../source-support/RecordBatch';
import type { SourceSplit } from '../../source-support/SourceSplit';
import { deserializeSplit, serializeSplit } from '../../source-support/SourceSplit';
import { applyTransform } from '../applyTransform';
import { logger, metrics, MetricUnit } from './observability';
import type { ServerlessDeps } from './ServerlessDeps';

export type ReaderOutcome = 'committed' | 'finished' | 'idle' | 'dropped' | 'deferred' | 'fenced' | 'retrying' | 'failed';

export interface InvocationClock {
  readonly owner: string;
  remainingMs(): number;
}

/**
 * One split message, one bounded batch: claim → read → write → commit → continue.
 * Everything after the claim that goes wrong is settled here (the split is released for a
 * retry or failed), so the SQS message is always consumed; only errors before a claim
 * (the store unreachable) reach the caller and make SQS deliver the message again.
 */
export async function processSplitMessage(deps: ServerlessDeps, message: SplitMessage, clock: InvocationClock): Promise<ReaderOutcome> {
  const { config, store } = deps;
  if (clock.remainingMs() < 2 * config.timeMarginMs) {
    // Reached late in an SQS batch: too little time left to read anything. Hand the message on
    // unclaimed (same token) rather than claim, read nothing and back off as if idle.
    await deps.queue.enqueue([message]);
    return 'deferred';
  }
  const claimed = await store.claim(message.splitId, clock.owner, clock.remainingMs() + config.leaseGraceMs, message.token);
  if (!claimed) {
    logger.debug('split not claimable: live lease, finished, or a stale message', { splitId: message.splitId, token: message.token });
    return 'dropped';
  }
  const { lease, row } = claimed;
  const reader = deps.flow.source.createReader({ readerId: 0, sendSplitRequest: () => undefined });
  try {
    await reader.start();
    reader.addSplits([deserializeSplit(deps.flow.source.splitSerializer, row.split)]);
    reader.notifyNoMoreSplits();
    const started = Date.now();
    const { status, batch } = await reader.poll({ maxRecords: config.batchSize, maxBytes: config.batchBytes, deadline: Date.now() + clock.remainingMs() - config.timeMarginMs });
    if (!batch) return await idle(deps, lease, row, message, status);
    await writeAndCommit(deps, lease, row, batch);
    await reader.notifyBatchCommitted(batch);
    metrics.addMetric('batchDuration', MetricUnit.Milliseconds, Date.now() - started);
    if (batch.finished) return 'finished';
    // More waits (or an unbounded split caught up): hand on at once, or after a pause when the batch was empty.
    // Bad records are progress too: a run of undecodable or poison entries is not an idle split.
    const idleRounds = batch.records.length + batch.badRecords.length === 0 ? (message.idleRounds ?? 0) + 1 : 0;
    await deps.queue.enqueue([{ flow: message.flow, splitId: message.splitId, token: lease.token, ...(idleRounds ? { idleRounds } : {}) }], idleRounds ? idleDelay(deps, idleRounds) : 0);
    return 'committed';
  } catch (e) {
    if (e instanceof FencedOffError) {
      logger.warn('fenced off: the lease was taken over while this reader ran; nothing committed', { splitId: message.splitId, token: lease.token });
      return 'fenced';
    }
    return await giveBack(deps, lease, message, e as Error);
  } finally {
    await reader.close().catch((e) => logger.warn('reader close failed', { error: e as Error }));
  }
}

async function writeAndCommit(deps: ServerlessDeps, lease: Lease, row: SplitRow, batch: RecordBatch<unknown, SourceSplit>): Promise<void> {
  const transformed = await applyTransform(batch.records, deps.flow.transform, batch.splitId);
  const bad = [...batch.badRecords, ...transformed.badRecords];
  const previous = (row.sinkState ?? {}) as { out?: unknown; dlq?: unknown };
  // A write must not start once the lease is past its invocation's deadline: another reader may
  // own the split by the time it lands. (On Lambda the timeout kills a reader first; the grace
  // part of the lease covers a write already under way.)
  if (Date.now() > lease.expiresAt - deps.config.leaseGraceMs) {
    throw new FencedOffError(`lease on ${batch.splitId} ran out before the batch was written`, { context: { splitId: batch.splitId } });
  }
  const out = await (await deps.sink()).write({ splitId: batch.splitId, records: transformed.records, sinkState: previous.out });
  const dlq = bad.length > 0 ? await (await deps.deadLetter()).write({ splitId: batch.splitId, records: bad.map((b) => ({ id: b.id, value: b })), sinkState: previous.dlq }) : previous.dlq;
  await deps.store.commit(lease, {
    split: serializeSplit(deps.flow.source.splitSerializer, batch.split),
    finished: batch.finished,
    sinkState: { out, dlq },
    records: transformed.records.length,
    badRecords: bad.length,
    release: true,
  });
  if (batch.finished) await afterFinished(deps, batch.split);
  metrics.addMetric('recordsIn', MetricUnit.Count, batch.records.length);
  metrics.addMetric('bytesIn', MetricUnit.Bytes, batch.bytes);
  metrics.addMetric('badRecords', MetricUnit.Count, bad.length);
  logger.info('batch committed', { splitId: batch.splitId, records: transformed.records.length, badRecords: bad.length, bytes: batch.bytes, finished: batch.finished });
}

/** Nothing to read now: an unbounded split sleeps with a growing delay; a drained bounded one is finished. */
async function idle(deps: ServerlessDeps, lease: Lease, row: SplitRow, message: SplitMessage, status: InputStatus): Promise<ReaderOutcome> {
  const finished = status === InputStatus.END_OF_INPUT;
  await deps.store.commit(lease, { split: row.split, finished, sinkState: row.sinkState, records: 0, badRecords: 0, release: true });
  if (finished) return 'finished';
  const idleRounds = (message.idleRounds ?? 0) + 1;
  await deps.queue.enqueue([{ flow: message.flow, splitId: message.splitId, token: lease.token, idleRounds }], idleDelay(deps, idleRounds));
  return 'idle';
}

function idleDelay(deps: ServerlessDeps, idleRounds: number): number {
  return Math.min(deps.config.idleDelayMaxSeconds, 2 ** Math.min(idleRounds - 1, 10));
}

/** The batch failed: back to PENDING for a retry after a backoff, or FAILED with a DLQ message at maxAttempts. */
async function giveBack(deps: ServerlessDeps, lease: Lease, message: SplitMessage, error: Error): Promise<ReaderOutcome> {
  logger.error('batch failed', { splitId: message.splitId, error });
  const row = await deps.store.release(lease, error.message, deps.config.maxAttempts);
  if (row.status === SplitStatus.FAILED) {
    await deps.queue.deadLetter({ flow: message.flow, splitId: message.splitId, token: row.leaseToken, error: error.message, attempts: row.attempts });
    metrics.addMetric('splitsFailed', MetricUnit.Count, 1);
    return 'failed';
  }
  await deps.queue.enqueue([{ flow: message.flow, splitId: message.splitId, token: row.leaseToken }], Math.min(900, 2 ** row.attempts));
  return 'retrying';
}

/** The source's after-finish action (e.g. archive the file), run only after the FINISHED commit; a failure is logged. */
async function afterFinished(deps: ServerlessDeps, split: SourceSplit): Promise<void> {
  const source = deps.flow.source;
  if (!source.onSplitFinished) return;
  const isFinished = async (splitId: string) => (await deps.store.get(splitId))?.status === SplitStatus.FINISHED;
  try {
    await source.onSplitFinished(split, isFinished);
  } catch (e) {
    logger.warn('after-finish action failed; the split stays FINISHED', { splitId: split.splitId, error: e as Error });
  }
}
