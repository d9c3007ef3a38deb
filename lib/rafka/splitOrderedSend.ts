import type Redis from 'ioredis';
import { SplitFailedError } from '../errors';
import { appendOnce } from '../redis/idempotentAppend';
import { appendAboveMark } from '../redis/markedAppend';
import type { MarkedEntry } from '../redis/markedAppend';
import { recordPosition } from './recordPosition';

/** A record of a split's batch, its partition stream chosen. */
export interface SplitEntry {
  readonly id: string;
  readonly stream: string;
  readonly fields: string[];
}

export interface SplitSendOptions {
  readonly topic: string;
  readonly ttlSeconds: number;
  readonly maxLen: number;
  /** Records per script call (default appendAboveMark's 1000); tests make it small. */
  readonly chunkSize?: number;
}

/** The high-water mark of one split's records with one id prefix (a file version, a stream). */
export function markKey(topic: string, splitId: string, prefix: string): string {
  // The split id's length first, so no split id / prefix pair can spell another's key.
  return `${topic}:mark:${splitId.length}:${splitId}:${prefix}`;
}

/** Marker keys of ids without a position: per topic, as the idempotent producer's. */
const markerPrefix = (topic: string) => `${topic}:dedupe:`;

/**
 * Appends a split's batch exactly once by record id, in order. Ids with a position (every
 * built-in source's, see recordPosition) are deduped by one high-water mark per split and id
 * prefix, whatever the partitions they go to (so a keyless record that lands on another
 * partition on a retry, or a topic whose partitions were added, is still caught). Other ids
 * fall back to one marker per id. Consecutive records of one kind go out together, in order,
 * so each partition gets the split's records in read order. Positions must increase within
 * the batch: a source whose ids do not is reported (SplitFailedError), never silently
 * deduped wrong.
 */
export async function sendSplitOnce(client: Redis, splitId: string, entries: readonly SplitEntry[], options: SplitSendOptions): Promise<{ added: number; skipped: number }> {
  const last = new Map<string, { id: string; position: string }>();
  let added = 0;
  let skipped = 0;
  let run: MarkedEntry[] = [];
  let runKey: string | undefined;
  let unpositioned: SplitEntry[] = [];
  const flush = async () => {
    if (run.length > 0) {
      const r = await appendAboveMark(client, run, { markKey: runKey!, ttlSeconds: options.ttlSeconds, maxLen: options.maxLen, chunkSize: options.chunkSize });
      added += r.added;
      skipped += r.skipped;
    }
    if (unpositioned.length > 0) {
      const byStream = new Map<string, SplitEntry[]>();
      for (const e of unpositioned) {
        let list = byStream.get(e.stream);
        if (!list) byStream.set(e.stream, (list = []));
        list.push(e);
      }
      for (const [stream, list] of byStream) {
        const n = await appendOnce(client, stream, list.map((e) => ({ dedupeId: e.id, fields: e.fields })), { dedupePrefix: markerPrefix(options.topic), dedupeTtlSeconds: options.ttlSeconds, maxLen: options.maxLen });
        added += n;
        skipped += list.length - n;
      }
    }
    run = [];
    unpositioned = [];
  };
  // Checked before anything is sent, so a refused batch appends nothing.
  let prefix: string | undefined;
  let prefixKey = '';
  const positions = entries.map((e) => {
    const at = recordPosition(e.id);
    if (!at) return undefined;
    if (at.prefix !== prefix) [prefix, prefixKey] = [at.prefix, markKey(options.topic, splitId, at.prefix)];
    const key = prefixKey;
    const before = last.get(key);
    if (before && at.position <= before.position) {
      throw new SplitFailedError(`rafka sink: split ${splitId} gave record ${e.id} after ${before.id}; the sink dedupes a split by the position in its record ids, so they must increase in read order`, { context: { splitId } });
    }
    last.set(key, { id: e.id, position: at.position });
    return { key, position: at.position };
  });
  for (const [i, e] of entries.entries()) {
    const at = positions[i];
    if (!at) {
      if (run.length > 0) await flush();
      unpositioned.push(e);
      continue;
    }
    if (unpositioned.length > 0 || (run.length > 0 && at.key !== runKey)) await flush();
    runKey = at.key;
    run.push({ stream: e.stream, position: at.position, fields: e.fields });
  }
  await flush();
  return { added, skipped };
}
