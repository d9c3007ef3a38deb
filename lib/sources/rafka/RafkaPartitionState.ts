import type { ClaimedEntry, RafkaConsumerGroup, StreamEntry } from './RafkaConsumerGroup';
import type { RafkaSplit } from './RafkaSplit';
import { compareStreamIds, START_OF_STREAM } from './streamIds';

/** An entry delivered to this consumer and not yet handed to the sink. */
export interface InboxEntry {
  readonly id: string;
  readonly fields: string[];
  /** Times it was handed to a sink before, without a commit. */
  readonly deliveries: number;
  /** True when its PEL counter already counts the coming delivery (read with `>`). */
  readonly counted: boolean;
}

/** What a reader knows about one partition it holds. Mutable: only its reader touches it, one poll at a time. */
export interface PartitionState {
  /** At the position of the last batch returned, which is the committed one whenever poll runs. */
  split: RafkaSplit;
  groupReady: boolean;
  /** Next XAUTOCLAIM start while taking over pending entries; undefined once done. */
  takeoverCursor: string | undefined;
  /** Delivered to this consumer, not yet emitted; always in id order, all > position, all <= stop id. */
  inbox: InboxEntry[];
  /** Committed ids whose XACK failed; acknowledged on the next poll. */
  unacked: string[];
  /** Everything up to the stop id has been delivered (an entry past it was seen, or the stream ends past it). */
  pastStop: boolean;
  /** The stream's last generated id was seen at or past the stop id (before a read; ids only grow). */
  stopGenerated: boolean;
  /** A `>` read started before this partition's next poll (see RafkaSourceReader.readAheadFor). */
  readAhead: ReadAhead | undefined;
}

/** A read in flight: its result, never a rejected promise; `dropped` when a connection dropped before its reply. */
export interface ReadAhead {
  readonly result: Promise<{ entries: StreamEntry[] } | { dropped: true } | { error: unknown }>;
}

/** A split just assigned: group not checked yet, takeover not started. */
export function newPartitionState(split: RafkaSplit): PartitionState {
  return { split, groupReady: false, takeoverCursor: START_OF_STREAM, inbox: [], unacked: [], pastStop: false, stopGenerated: false, readAhead: undefined };
}

/**
 * Files delivered entries (`fresh`: read with `>`, else taken over): committed ones are
 * acknowledged (protocol step 3), ones past the stop id left pending, the rest queued.
 * Entries come in id order (XREADGROUP, and XAUTOCLAIM's page read back with XRANGE), so the
 * committed ones are a prefix and the ones past the stop id a suffix: found with a comparison
 * or two per read instead of two per entry.
 */
export async function fileDelivered(group: RafkaConsumerGroup, p: PartitionState, entries: (StreamEntry | ClaimedEntry)[], fresh: boolean): Promise<void> {
  let from = 0;
  while (from < entries.length && compareStreamIds(entries[from]!.id, p.split.position.lastId) <= 0) from++;
  let to = entries.length;
  while (to > from && compareStreamIds(entries[to - 1]!.id, p.split.stopId) > 0) to--;
  for (let i = from; i < to; i++) {
    const e = entries[i]!;
    p.inbox.push({ id: e.id, fields: e.fields, deliveries: fresh ? 0 : (e as ClaimedEntry).deliveries, counted: fresh });
  }
  if (to < entries.length) p.pastStop = true;
  if (p.pastStop) p.takeoverCursor = undefined; // everything pending from here on is past the stop id too
  await group.ack(p.split.streamKey, entries.slice(0, from).map((e) => e.id));
  // Read but not for us: not a delivery, so the later reader that emits them counts from zero.
  if (fresh && to < entries.length) await group.setDeliveries(p.split.streamKey, new Map([[0, entries.slice(to).map((e) => e.id)]]));
}

/**
 * Protocol step 9, plus the counters of entries read but never emitted (see step 6). Touches
 * only entries still pending for this consumer: when a close runs late (a fenced holder, a
 * cleanup past its time budget), the next holder may have taken them over already.
 */
export async function leavePartition(group: RafkaConsumerGroup, p: PartitionState): Promise<void> {
  const key = p.split.streamKey;
  await group.resetDeliveriesIfMine(key, p.inbox.filter((e) => e.counted).map((e) => e.id));
  if (p.unacked.length > 0) await group.ack(key, p.unacked);
  if (p.groupReady) await group.deleteConsumerIfIdle(key);
}

/**
 * Waits for a read-ahead nobody will consume (the reader closes, the split finished) and puts
 * its entries in the inbox as read but not emitted, so leavePartition resets their counters.
 */
export async function settleReadAhead(p: PartitionState): Promise<void> {
  const ahead = p.readAhead;
  if (!ahead) return;
  p.readAhead = undefined;
  const result = await ahead.result;
  if ('entries' in result) for (const e of result.entries) p.inbox.push({ id: e.id, fields: e.fields, deliveries: 0, counted: true });
}
