import { RetryableError } from '../../errors';
import { acquireRedisClient, connectionEpoch } from '../../redis/redisClient';
import type { RedisLease } from '../../redis/redisClient';
import { wrapRedisError } from '../../redis/redisErrors';
import { DEFAULT_BATCH_LIMITS, InputStatus } from '../../source-support/RecordBatch';
import type { BatchLimits, PollResult, RecordBatch } from '../../source-support/RecordBatch';
import type { SourceReader, SourceReaderContext } from '../../source-support/SourceReader';
import { assembleBatch, finishedBatch, pickEntries, recountDeliveries } from './RafkaBatchAssembly';
import { claimBlockingLane } from './RafkaBlockingLane';
import type { BlockingLane } from './RafkaBlockingLane';
import { RafkaConsumerGroup } from './RafkaConsumerGroup';
import type { StreamEntry } from './RafkaConsumerGroup';
import { deadLetter } from './RafkaDeadLetter';
import type { RafkaValue } from './RafkaEntryDecoder';
import type { RafkaConfig } from './RafkaOptions';
import { fileDelivered, leavePartition, newPartitionState, settleReadAhead } from './RafkaPartitionState';
import type { PartitionState } from './RafkaPartitionState';
import type { RafkaSplit } from './RafkaSplit';
import { takeOverPage } from './RafkaTakeover';
import { compareStreamIds, START_OF_STREAM } from './streamIds';

export { recordId } from './RafkaEntryDecoder';
export type { RafkaValue } from './RafkaEntryDecoder';

/** Entries per XREADGROUP at most, whatever maxRecords says. */
const MAX_READ_COUNT = 10_000;
/** Between polls when the last one did not wait in Redis (no live partition to block on). */
const IDLE_POLL_MS = 100;
/** Cleaning up at close waits this long at most (Redis may be the reason we close). */
const CLOSE_BUDGET_MS = 1_000;

/**
 * Reads partitions of a Rafka topic (Redis streams) with consumer-group semantics, exactly
 * once together with the split position.
 *
 * ## Protocol
 *
 * Progress is the split position `lastId`: the last entry whose batch the runtime committed.
 * The consumer group only tracks deliveries. Every entry is in one of three places:
 * committed (<= lastId), pending in the group's PEL (delivered, not acknowledged), or not yet
 * delivered. Acknowledging happens only after the commit, so pending entries above lastId are
 * exactly the ones some holder read and did not commit.
 *
 * 1. **Group.** On its first poll of a partition the reader creates the group
 *    (`XGROUP CREATE key group <id> MKSTREAM`, BUSYGROUP ignored) at the split's committed
 *    position, or at `start` (earliest `0`, latest `$`, an id) when nothing is committed yet.
 * 2. **Take over.** The runtime's lease gives a split to ONE reader at a time, so whatever is
 *    pending in the group for this stream belongs to a dead or previous holder. Before reading
 *    anything new the reader claims all of it, in id order, page by page
 *    (`XAUTOCLAIM key group me 0 <cursor> COUNT n JUSTID`; JUSTID leaves delivery counters
 *    alone), with each entry's counter (XPENDING) and fields (XRANGE). Then consumers of this
 *    stream with nothing pending are deleted. Pending entries are older than undelivered ones,
 *    so order is kept.
 * 3. **Skip the committed.** Entries <= lastId (a crash between the checkpoint commit and
 *    XACK) are acknowledged at once and not emitted.
 * 4. **Read new.** `XREADGROUP GROUP g me COUNT n STREAMS key >` per partition, round robin
 *    (in the embedded runtime, the next partition's read is sent as a batch is returned: see
 *    readAheadFor; a close resets the counters of what it delivered);
 *    when no partition has anything, one `BLOCK` read over all of them on the reader's own
 *    connection, for at most `blockMs` (<= 1 s) and never past the batch deadline. A bounded
 *    split has read everything up to its stop id when a read comes back empty AFTER the
 *    stream's last generated id (XINFO STREAM) was seen at or past the stop id.
 * 5. **Batch.** One partition per batch: at most maxRecords, stops at maxBytes (approximate
 *    entry size) and at the deadline. `batch.split` = the split with lastId = the batch's last
 *    entry. Entries past the stop id are not emitted (they stay pending for later readers, their
 *    counter reset); `finished` once everything up to the stop id is done.
 * 6. **Delivery counting.** The PEL counter of an entry = the times it was handed to a sink
 *    without a commit: a `>` read sets it to 1, and a taken-over entry gets counter + 1 just
 *    before it is emitted (`XCLAIM … RETRYCOUNT n JUSTID`). (An entry read but never emitted
 *    before a crash is over-counted by one.)
 * 7. **Poison.** A taken-over entry delivered `maxDeliveries` times already goes to the
 *    dead-letter stream (idempotent XADD: `adf:original-id`, `adf:stream`, `adf:reason`
 *    "delivered N times without a commit", `adf:deliveries`, then the entry's own fields), is
 *    reported as a bad record, and the position moves past it. An entry delivered more than
 *    once before is emitted ALONE in its batch, so a poison entry fails by itself and its
 *    batch-mates get through.
 * 8. **Acknowledge.** `notifyBatchCommitted` (called only after the sink wrote the batch and
 *    the checkpoint is committed) XACKs the batch's entries. A failed XACK is retried on the
 *    next poll; until then the entries are <= lastId and step 3 covers them.
 * 9. **Leave.** When a split finishes, and at close, the consumer is deleted from the group
 *    only if nothing is pending for it (XPENDING and DELCONSUMER in one script).
 *
 * **Redis outages.** Every Redis error in a poll becomes a RetryableError (SplitFailedError
 * for a key that is not a stream, ConfigError for auth): the runtime gives the splits back and
 * they are read again from their committed positions; nothing is skipped because positions
 * only move at commit. ioredis resends commands that were in flight when the connection
 * dropped; a resent `XREADGROUP >` would silently leave the first execution's entries pending,
 * so a poll during which a connection was lost fails too, and the next holder takes them over.
 *
 * The reader keeps one split request outstanding until told there are no more splits, so the
 * partitions of an unbounded topic spread over all readers and new ones are picked up.
 *
 * @example
 * const reader = rafkaSource({ topic: 'orders', partitions: 4 }).createReader({ readerId: 0, sendSplitRequest() {} });
 * await reader.start();
 * reader.addSplits([split]);
 * const { batch } = await reader.poll({ maxRecords: 1000 });
 * // … sink.write(batch.records), commit batch.split …
 * if (batch) await reader.notifyBatchCommitted(batch);
 */
export class RafkaSourceReader implements SourceReader<RafkaValue, RafkaSplit> {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly uncommitted = new WeakMap<object, { key: string; ids: string[] }>();
  private next = 0;
  private noMoreSplits = false;
  private requested = false;
  private closed = false;
  private blockedLastPoll = false;
  private wakeUp: () => void = () => undefined;
  private shared: RedisLease | undefined;
  private blocking: RedisLease | undefined;
  private lane: BlockingLane | undefined;
  private group!: RafkaConsumerGroup;
  /** The stream key being worked on, for error context. */
  private current: string | undefined;

  constructor(private readonly config: RafkaConfig, private readonly ctx: SourceReaderContext) {}

  async start(): Promise<void> {
    this.shared = acquireRedisClient(this.config.connection);
    this.lane = claimBlockingLane(this.ctx.readerId);
    this.blocking = acquireRedisClient(this.config.connection, this.lane.lane);
    const consumer = this.config.consumer ?? `adf-${this.ctx.readerId}-${process.pid}`;
    this.group = new RafkaConsumerGroup(this.shared.client, this.blocking.client, this.config.group, consumer);
    this.requestSplit();
  }

  addSplits(splits: RafkaSplit[]): void {
    for (const split of splits) {
      this.partitions.set(split.splitId, newPartitionState(split));
    }
    this.requested = false;
    this.requestSplit();
    this.wakeUp();
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.wakeUp();
  }

  async poll(partial?: Partial<BatchLimits>): Promise<PollResult<RafkaValue, RafkaSplit>> {
    if (this.closed) throw new Error('RafkaSourceReader: poll after close');
    const limits: BatchLimits = { ...DEFAULT_BATCH_LIMITS, ...partial };
    this.blockedLastPoll = false;
    if (this.partitions.size === 0) {
      this.requestSplit();
      return { status: this.noMoreSplits ? InputStatus.END_OF_INPUT : InputStatus.NOTHING_AVAILABLE };
    }
    const epochs = this.epochs();
    let batch: RecordBatch<RafkaValue, RafkaSplit> | undefined;
    try {
      batch = await this.nextBatch(limits);
    } catch (e) {
      throw wrapRedisError(e, `read of ${this.current ?? 'a partition'} (group ${this.config.group})`, { splitId: this.current });
    }
    if (this.epochs() !== epochs) {
      throw new RetryableError(`the connection to Redis dropped while reading ${this.current ?? 'a partition'}; its splits are read again from their last commit`, { context: { splitId: this.current } });
    }
    return batch ? { status: InputStatus.MORE_AVAILABLE, batch } : { status: InputStatus.NOTHING_AVAILABLE };
  }

  async isAvailable(): Promise<void> {
    if (this.closed || (this.partitions.size === 0 && this.noMoreSplits)) return;
    if (this.partitions.size > 0 && this.blockedLastPoll) return;
    await new Promise<void>((resolve) => {
      const timer = this.partitions.size > 0 ? setTimeout(resolve, IDLE_POLL_MS) : undefined;
      this.wakeUp = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Called only after the sink has written the batch and the checkpoint is committed. */
  async notifyBatchCommitted(batch: RecordBatch<RafkaValue, RafkaSplit>): Promise<void> {
    const pending = this.uncommitted.get(batch);
    this.uncommitted.delete(batch);
    const partition = this.partitions.get(batch.splitId);
    if (pending) {
      try {
        await this.group.ack(pending.key, pending.ids);
      } catch {
        // Committed already: XACK again on the next poll (and a later holder skips them anyway).
        partition?.unacked.push(...pending.ids);
      }
    }
    if (batch.finished && partition) {
      this.partitions.delete(batch.splitId);
      await settleReadAhead(partition).then(() => leavePartition(this.group, partition)).catch(() => undefined);
      this.requestSplit();
    }
  }

  snapshotState(): RafkaSplit[] {
    return [...this.partitions.values()].map((p) => p.split);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeUp();
    const cleanup = Promise.all([...this.partitions.values()].map((p) => settleReadAhead(p).then(() => leavePartition(this.group, p)))).catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([cleanup, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_BUDGET_MS)))]);
    clearTimeout(timer);
    this.shared?.release();
    this.blocking?.release();
    this.lane?.release();
  }

  // ── reading ──────────────────────────────────────────────────────────────

  /** Round robin over the partitions without blocking; if none has anything, one bounded blocking read over all. */
  private async nextBatch(limits: BatchLimits): Promise<RecordBatch<RafkaValue, RafkaSplit> | undefined> {
    const deadline = limits.deadline ?? Number.POSITIVE_INFINITY;
    const keys = [...this.partitions.keys()];
    const order = keys.map((_, i) => keys[(this.next + i) % keys.length]!);
    for (const key of order) {
      if (Date.now() >= deadline) return undefined;
      this.current = key;
      const batch = await this.batchFrom(this.partitions.get(key)!, limits, deadline);
      if (batch) {
        this.next = (keys.indexOf(key) + 1) % keys.length;
        this.readAheadFor(this.partitions.get(keys[this.next]!)!, limits);
        return batch;
      }
    }
    const live = [...this.partitions.values()].filter((p) => p.groupReady && p.takeoverCursor === undefined && p.inbox.length === 0 && !p.pastStop && !p.split.reachedStop && !p.readAhead);
    const wait = Math.floor(Math.min(this.config.blockMs, deadline - Date.now()));
    if (live.length === 0 || wait < 1) return undefined;
    this.current = live.map((p) => p.split.streamKey).join(', ');
    const read = await this.group.readNew(live.map((p) => p.split.streamKey), readCount(limits), wait);
    this.blockedLastPoll = true;
    for (const p of live) await fileDelivered(this.group, p, read.get(p.split.streamKey) ?? [], true);
    for (const key of order) {
      const p = this.partitions.get(key)!;
      this.current = key;
      if (p.inbox.length > 0 || (p.pastStop && p.inbox.length === 0)) return this.batchFrom(p, limits, deadline);
    }
    return undefined;
  }

  /** The next batch of one partition, or undefined when it has nothing right now. */
  private async batchFrom(p: PartitionState, limits: BatchLimits, deadline: number): Promise<RecordBatch<RafkaValue, RafkaSplit> | undefined> {
    const key = p.split.streamKey;
    if (p.split.reachedStop) return finishedBatch(p);
    if (!p.groupReady) {
      const committed = p.split.position.lastId;
      await this.group.ensureGroup(key, committed === START_OF_STREAM ? this.config.startId : committed);
      p.groupReady = true;
    }
    if (p.unacked.length > 0) {
      await this.group.ack(key, p.unacked);
      p.unacked = [];
    }
    while (p.inbox.length === 0 && p.takeoverCursor !== undefined && !p.pastStop && Date.now() < deadline) await takeOverPage(this.group, p, this.config.claimPageSize);
    if (p.inbox.length === 0 && p.takeoverCursor === undefined && !p.pastStop) {
      const entries = p.readAhead ? await this.takeReadAhead(p) : await this.readFresh(p, readCount(limits));
      await fileDelivered(this.group, p, entries, true);
      if (entries.length === 0 && p.stopGenerated) p.pastStop = true;
    }
    if (p.inbox.length === 0) return p.pastStop ? finishedBatch(p) : undefined;
    return this.buildBatch(p, limits, deadline);
  }

  /** Entries never delivered to anyone (`>`), for one partition. */
  private async readFresh(p: PartitionState, count: number): Promise<StreamEntry[]> {
    const key = p.split.streamKey;
    // The stream's last id is read BEFORE the read: once it is at or past the stop id no new
    // entry can be <= the stop id, so an empty read after it proves all of them were delivered.
    // (Read after the read, an entry <= the stop id plus one past it appended in between would
    // finish the split without the first.) Ids only grow, so one look that says yes is enough.
    if (p.split.bounded && !p.stopGenerated) p.stopGenerated = compareStreamIds(await this.group.lastGeneratedId(key), p.split.stopId) >= 0;
    return (await this.group.readNew([key], count, 0)).get(key) ?? [];
  }

  /**
   * When the runtime allows it (ctx.readAhead, the embedded runtime), the partition polled next
   * gets its `>` read sent now, so Redis prepares it while this batch is written and committed
   * (the reader thread waited for Redis a quarter of its time). Only for a partition that would
   * read next anyway (group ready, taken over, inbox empty, not at its stop id), one at a time,
   * never with a deadline. Its entries are delivered before their batch is polled; a close
   * puts them back (settleReadAhead), a crash leaves them pending for the next holder.
   */
  private readAheadFor(p: PartitionState, limits: BatchLimits): void {
    if (!this.ctx.readAhead || limits.deadline !== undefined || p.readAhead || !p.groupReady || p.takeoverCursor !== undefined || p.inbox.length > 0 || p.pastStop || p.split.reachedStop) return;
    const epochs = this.epochs();
    // Trusted only if no connection dropped between the send and the reply (a resent `>` read
    // would leave the first one's entries pending unseen): the epochs are compared at the reply.
    p.readAhead = { result: this.readFresh(p, readCount(limits)).then((entries) => (this.epochs() === epochs ? { entries } : { dropped: true as const }), (error: unknown) => ({ error })) };
  }

  /** The read-ahead's entries; fails as poll does when a connection dropped before its reply came. */
  private async takeReadAhead(p: PartitionState): Promise<StreamEntry[]> {
    const ahead = p.readAhead!;
    p.readAhead = undefined;
    const result = await ahead.result;
    if ('error' in result) throw result.error;
    if ('dropped' in result) {
      throw new RetryableError(`the connection to Redis dropped while reading ${p.split.streamKey}; its splits are read again from their last commit`, { context: { splitId: p.split.streamKey } });
    }
    return result.entries;
  }

  /** Takes entries off the inbox into one batch (protocol steps 5–7): pick → dead-letter → recount → assemble. */
  private async buildBatch(p: PartitionState, limits: BatchLimits, deadline: number): Promise<RecordBatch<RafkaValue, RafkaSplit> | undefined> {
    const picked = pickEntries(p.inbox, limits, deadline, this.config.maxDeliveries);
    if (picked === undefined) return undefined;
    const key = p.split.streamKey;
    const badRecords = await deadLetter(this.shared!.client, this.config, p.split, picked.dead);
    await this.group.setDeliveries(key, recountDeliveries(picked.take));
    const batch = assembleBatch(p, picked, badRecords, this.config);
    // Acknowledged only once the runtime says the batch is committed (notifyBatchCommitted).
    this.uncommitted.set(batch, { key, ids: [...picked.take, ...picked.dead].map((e) => e.id) });
    p.split = batch.split;
    return batch;
  }

  // ── housekeeping ─────────────────────────────────────────────────────────

  private requestSplit(): void {
    if (this.requested || this.noMoreSplits || this.closed) return;
    this.requested = true;
    this.ctx.sendSplitRequest();
  }

  private epochs(): string {
    return `${connectionEpoch(this.shared!.client)}/${connectionEpoch(this.blocking!.client)}`;
  }
}

function readCount(limits: BatchLimits): number {
  return Math.max(1, Math.min(limits.maxRecords, MAX_READ_COUNT));
}
