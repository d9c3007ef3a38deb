import { setTimeout as sleep } from 'node:timers/promises';
import { FencedOffError } from '../../errors';
import { SplitStatus } from '../../coordination/SplitStore';
import type { Lease, SplitCommit, SplitRow } from '../../coordination/SplitStore';
import { InputStatus } from '../../source-support/RecordBatch';
import type { BatchLimits, RecordBatch } from '../../source-support/RecordBatch';
import type { SourceReader } from '../../source-support/SourceReader';
import type { SourceSplit } from '../../source-support/SourceSplit';
import { serializeSplit } from '../../source-support/SourceSplit';
import { applyTransform } from '../applyTransform';
import { PollAhead } from '../PollAhead';
import { runAfterFinish } from './AfterFinishRun';
import { LeasedSinkWrites } from './LeasedSinkWrites';
import type { SplitSinkState } from './LeasedSinkWrites';
import { logger, metrics, MetricUnit } from './observability';
import type { ServerlessDeps } from './ServerlessDeps';

/** Why a held split was let go: read to its end, out of invocation time, or caught up for idleWaitMs. */
export type HeldSplitEnd = 'finished' | 'outOfTime' | 'idle';

/** A poll that came back this fast with nothing did not wait for data: pause before the next. */
const QUICK_EMPTY_POLL_MS = 20;
const EMPTY_POLL_PAUSE_MS = 100;

/**
 * One invocation's hold of one split: batch after batch (read → stage → fenced commit →
 * publish → acknowledge) while the invocation's time lasts, then one release. Every batch is
 * a checkpoint of its own, committed with the lease kept (ASSIGNED); the last commit gives the
 * lease up (PENDING for the next message, or FINISHED). A commit per batch rather than one per
 * invocation keeps a crash's loss of work to one batch, and keeps the staged sink writes of a
 * zombie fenced exactly as with one batch per invocation: nothing is published before its commit.
 *
 * A caught-up split (an unbounded stream with nothing new) keeps polling for `idleWaitMs` of
 * consecutive idle time (a Rafka poll blocks in Redis until an entry arrives, at most its
 * blockMs), so a steady stream is read with sub-second latency by one invocation.
 *
 * `row` is always the split's last committed row: what a failure gives back and recovers.
 */
export class HeldSplitBatches {
  row: SplitRow;
  /** Records or bad records were read (and committed) in this hold. */
  progressed = false;
  readonly sinks: LeasedSinkWrites;
  private slowestBatchMs = 0;
  /** The last committed sink state may not be visible yet: the previous holder's, or a publish that failed. */
  private unpublished = true;
  private batches = 0;
  /** The next batch, polled while the current one is committed (pollsDuringCommit readers). */
  private readonly ahead = new PollAhead();
  private readonly deadline: number;

  constructor(
    private readonly deps: ServerlessDeps,
    private readonly reader: SourceReader<unknown, SourceSplit>,
    private readonly lease: Lease,
    row: SplitRow,
    remainingMs: number,
  ) {
    this.row = row;
    this.sinks = new LeasedSinkWrites(deps.sink, deps.deadLetter, lease);
    this.deadline = Date.now() + remainingMs - deps.config.timeMarginMs;
  }

  /** Reads, writes and commits until the split ends, time runs out or it idles; the lease is released on return. */
  async run(): Promise<HeldSplitEnd> {
    try {
      return await this.loop();
    } finally {
      // A read ahead that a failure left running is settled before the reader may be closed.
      await this.ahead.settle();
    }
  }

  private limits(deadline: number): BatchLimits {
    return { maxRecords: this.deps.config.batchSize, maxBytes: this.deps.config.batchBytes, deadline };
  }

  private async loop(): Promise<HeldSplitEnd> {
    const { config } = this.deps;
    let idleSince: number | undefined;
    for (;;) {
      const started = Date.now();
      // Once caught up, a poll waits (a Rafka BLOCK) no longer than the rest of the idle wait.
      const deadline = idleSince === undefined ? this.deadline : Math.min(this.deadline, idleSince + config.idleWaitMs);
      const polled = await this.ahead.next(() => this.reader.poll(this.limits(deadline)));
      const { batch } = polled;
      if (batch) {
        idleSince = undefined;
        const max = config.maxBatchesPerInvocation;
        const last = batch.finished || (max > 0 && ++this.batches >= max) || !this.timeForAnother(Date.now() - started);
        // The next batch is parsed while this one is committed (I/O waits), where the reader allows it.
        const readOn = last ? undefined : () => this.ahead.start(this.reader, this.limits(this.deadline));
        await this.writeAndCommit(batch, last, readOn);
        await this.acknowledge(batch);
        const took = Date.now() - started;
        this.slowestBatchMs = Math.max(this.slowestBatchMs, took);
        metrics.addMetric('batchDuration', MetricUnit.Milliseconds, took);
        if (batch.finished) return 'finished';
        if (last) return 'outOfTime';
        continue;
      }
      if (polled.status === InputStatus.END_OF_INPUT) {
        await this.publishCommitted(); // a FINISHED split is never claimed again: nothing may stay staged
        await this.releaseAsIs(true);
        return 'finished';
      }
      const now = Date.now();
      idleSince ??= started;
      if (now - idleSince >= config.idleWaitMs || now >= this.deadline) {
        await this.releaseAsIs(false);
        return now >= this.deadline ? 'outOfTime' : 'idle';
      }
      if (now - started < QUICK_EMPTY_POLL_MS) await sleep(Math.min(EMPTY_POLL_PAUSE_MS, Math.max(0, this.deadline - now)));
    }
  }

  /** The last committed sink state, for a failure's recovery. */
  sinkState(): SplitSinkState {
    return (this.row.sinkState ?? {}) as SplitSinkState;
  }

  /** Another batch fits if the time left before the deadline exceeds the slowest batch so far. */
  private timeForAnother(thisBatchMs: number): boolean {
    return this.deadline - Date.now() > Math.max(this.slowestBatchMs, thisBatchMs);
  }

  /** The split's position is unchanged (nothing read): commit nothing new, just let go. */
  private async releaseAsIs(finished: boolean): Promise<void> {
    const committed = await this.deps.store.commit(this.lease, { split: this.row.split, finished, sinkState: this.row.sinkState, records: 0, badRecords: 0, release: true });
    this.row = committed;
    if (committed.status === SplitStatus.FINISHED) await runAfterFinish(this.deps, committed.split, committed.afterFinishPending === true);
  }

  /** A failed acknowledgement (XACK) loses nothing: the split's next reader acknowledges what is at or below the committed position. */
  private async acknowledge(batch: RecordBatch<unknown, SourceSplit>): Promise<void> {
    try {
      await this.reader.notifyBatchCommitted(batch);
    } catch (e) {
      logger.warn('acknowledging a committed batch failed; the next reader of the split does it', { splitId: batch.splitId, error: e as Error });
    }
  }

  private async writeAndCommit(batch: RecordBatch<unknown, SourceSplit>, last: boolean, readOn?: () => void): Promise<void> {
    const { deps, lease } = this;
    const transformed = await applyTransform(batch.records, deps.flow.transform, batch.splitId);
    const bad = [...batch.badRecords, ...transformed.badRecords];
    const previous = this.sinkState();
    // A write must not start once the lease is past its invocation's deadline: another reader may
    // own the split by the time it lands. (On Lambda the timeout kills a reader first; the grace
    // part of the lease covers a write already under way.) Not a fence: a stalled writer can pass
    // this check and resume any time later, which is why the writers only stage (LeasedSinkWrites).
    if (Date.now() > lease.expiresAt - deps.config.leaseGraceMs) {
      throw new FencedOffError(`lease on ${batch.splitId} ran out before the batch was written`, { context: { splitId: batch.splitId } });
    }
    // Published before anything is written after it (the staged writers append in order).
    await this.publishCommitted();
    // An empty batch (a split's end found after its last record) stages nothing: its commit only moves the position.
    const empty = transformed.records.length + bad.length === 0;
    const sinkState = empty ? previous : await this.sinks.write(transformed.records, bad, previous);
    readOn?.();
    this.row = await this.commitAndPublish(previous, empty, {
      split: serializeSplit(deps.flow.source.splitSerializer, batch.split),
      finished: batch.finished,
      sinkState,
      records: transformed.records.length,
      badRecords: bad.length,
      release: last,
    });
    if (transformed.records.length + bad.length > 0) this.progressed = true;
    if (batch.finished) await runAfterFinish(deps, this.row.split, this.row.afterFinishPending === true);
    metrics.addMetric('recordsIn', MetricUnit.Count, batch.records.length);
    metrics.addMetric('bytesIn', MetricUnit.Bytes, batch.bytes);
    metrics.addMetric('badRecords', MetricUnit.Count, bad.length);
    logger.info('batch committed', { splitId: batch.splitId, records: transformed.records.length, badRecords: bad.length, bytes: batch.bytes, finished: batch.finished, released: last });
  }

  /**
   * The fenced commit, then the staged batches made visible. A released split's next holder
   * publishes what this one could not; a FINISHED split has none, so its last batch is committed
   * with the lease kept, published, and only then finished. A batch committed with the lease
   * kept is published before the next one is written (recover), by this holder or the next.
   */
  private async commitAndPublish(previous: SplitSinkState, empty: boolean, commit: SplitCommit): Promise<SplitRow> {
    const { deps, lease, sinks } = this;
    const state = commit.sinkState as SplitSinkState;
    if (empty) {
      this.row = await deps.store.commit(lease, commit);
      return this.row;
    }
    const first = commit.finished && (await sinks.staged(state)) ? { ...commit, finished: false, release: false } : commit;
    let row: SplitRow;
    try {
      row = await deps.store.commit(lease, first);
    } catch (e) {
      if (e instanceof FencedOffError) await sinks.discard(state, previous).catch((err) => logger.warn('dropping a refused staged batch failed', { splitId: lease.splitId, error: err as Error }));
      throw e;
    }
    this.row = row;
    this.unpublished = true;
    if (first === commit) {
      await this.publishCommitted().catch((e) => logger.warn("publishing a committed batch failed; it is published before the split's next batch is written", { splitId: lease.splitId, error: e as Error }));
      return row;
    }
    await this.publishCommitted();
    return await deps.store.commit(lease, { ...commit, records: 0, badRecords: 0 });
  }

  /** Makes the last committed sink state visible, unless this hold already did (publishing is idempotent, but costs calls). */
  private async publishCommitted(): Promise<void> {
    if (!this.unpublished) return;
    await this.sinks.publish(this.sinkState());
    this.unpublished = false;
  }
}
