import type { BatchLimits, RecordBatch } from '../../source-support/RecordBatch';
import type { BadRecord, SourceRecord } from '../../source-support/SourceRecord';
import { decodeValue, rawFields, recordId } from './RafkaEntryDecoder';
import type { RafkaValue } from './RafkaEntryDecoder';
import type { RafkaConfig } from './RafkaOptions';
import type { InboxEntry, PartitionState } from './RafkaPartitionState';
import type { RafkaSplit } from './RafkaSplit';
import { compareStreamIds, maxStreamId } from './streamIds';

/** Entries taken off a partition's inbox for one batch. */
export interface PickedEntries {
  /** To emit, in id order. */
  readonly take: InboxEntry[];
  /** Delivered `maxDeliveries` times already: to the dead-letter stream. */
  readonly dead: InboxEntry[];
  /** Approximate size of `take` (ids and fields). */
  readonly bytes: number;
  /** The last id taken off, emitted or dead: the batch's position. */
  readonly lastId: string;
}

/**
 * Takes entries off the front of `inbox` for one batch (protocol steps 5 and 7): at most
 * `maxRecords`, stopping at `maxBytes` and at the deadline; an entry delivered more than once
 * before goes ALONE, so a poison entry fails by itself. Poison entries come off too, as `dead`.
 * Undefined when the inbox is empty.
 */
export function pickEntries(inbox: InboxEntry[], limits: BatchLimits, deadline: number, maxDeliveries: number): PickedEntries | undefined {
  const take: InboxEntry[] = [];
  const dead: InboxEntry[] = [];
  let bytes = 0;
  let lastId: string | undefined;
  // Taken off with one splice at the end: a shift per entry moved the rest of the inbox each time.
  let i = 0;
  for (; i < inbox.length; i++) {
    const e = inbox[i]!;
    if (e.deliveries >= maxDeliveries) {
      dead.push(e);
      lastId = e.id;
      continue;
    }
    const alone = e.deliveries > 1;
    if (take.length > 0 && (alone || take.length >= limits.maxRecords || bytes >= limits.maxBytes || Date.now() >= deadline)) break;
    take.push(e);
    lastId = e.id;
    bytes += entrySize(e);
    if (alone) {
      i++;
      break;
    }
  }
  inbox.splice(0, i);
  return lastId === undefined ? undefined : { take, dead, bytes, lastId };
}

/** The PEL counters to set before emitting (protocol step 6): taken-over entries get deliveries + 1. */
export function recountDeliveries(take: InboxEntry[]): Map<number, string[]> {
  const recount = new Map<number, string[]>();
  for (const e of take) if (!e.counted) recount.set(e.deliveries + 1, [...(recount.get(e.deliveries + 1) ?? []), e.id]);
  return recount;
}

/**
 * The batch of `picked`: decoded records (entries that fail to decode join `badRecords`), and
 * the split at the batch's last id, or at its stop id once nothing is left up to it.
 */
export function assembleBatch(p: PartitionState, picked: PickedEntries, badRecords: BadRecord[], config: RafkaConfig): RecordBatch<RafkaValue, RafkaSplit> {
  const key = p.split.streamKey;
  const records: SourceRecord<RafkaValue>[] = [];
  for (const e of picked.take) {
    const decoded = decodeValue(config, e.fields);
    if ('value' in decoded) records.push({ id: recordId(key, e.id), value: decoded.value });
    else badRecords.push({ id: recordId(key, e.id), splitId: p.split.splitId, reason: decoded.error, raw: rawFields(e.fields) });
  }
  const finished = p.inbox.length === 0 && (p.pastStop || compareStreamIds(picked.lastId, p.split.stopId) >= 0);
  const split = p.split.withPosition(finished ? maxStreamId(picked.lastId, p.split.stopId) : picked.lastId);
  return { splitId: p.split.splitId, records, badRecords, split, finished, bytes: picked.bytes };
}

/** The last batch of a split that has nothing left up to its stop id; moves the partition to it. */
export function finishedBatch(p: PartitionState): RecordBatch<RafkaValue, RafkaSplit> {
  p.split = p.split.withPosition(maxStreamId(p.split.position.lastId, p.split.stopId));
  return { splitId: p.split.splitId, records: [], badRecords: [], split: p.split, finished: true, bytes: 0 };
}

function entrySize(e: InboxEntry): number {
  let size = e.id.length;
  for (const f of e.fields) size += f.length;
  return size;
}
