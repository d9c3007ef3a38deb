import type Redis from 'ioredis';
import { LuaScript } from '../../redis/luaScript';

/** An entry as Redis returns it: id and flat fields (`field, value, …`). */
export interface StreamEntry {
  readonly id: string;
  readonly fields: string[];
}

/** A pending entry taken over from an earlier holder, with its delivery count. */
export interface ClaimedEntry extends StreamEntry {
  /** Times the entry was handed to a sink without being committed (the PEL delivery counter). */
  readonly deliveries: number;
}

export interface ClaimPage {
  readonly entries: ClaimedEntry[];
  /** Ids that were pending but whose entries are gone from the stream (trimmed or deleted). */
  readonly gone: string[];
  /** Where the next page starts; `0-0` when every pending entry has been taken over. */
  readonly next: string;
}

/** Deletes a consumer only when nothing is pending for it (DELCONSUMER would drop its pending entries). */
const DELETE_IF_IDLE = new LuaScript(`
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pending == 0 then return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) end
return -1
`);

/**
 * Resets to 0 the delivery counters of entries that are still pending for this consumer, and
 * only those: an entry another consumer took over in the meantime stays with it, untouched
 * (XCLAIM would move it back here and erase its count).
 */
const RESET_IF_MINE = new LuaScript(`
local reset = 0
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #p == 1 and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'RETRYCOUNT', 0, 'JUSTID')
    reset = reset + 1
  end
end
return reset
`);

/**
 * The Redis commands of one consumer in one group, across the partition streams a reader
 * holds. No policy here: `RafkaSourceReader` decides what to call when.
 */
export class RafkaConsumerGroup {
  constructor(
    private readonly client: Redis,
    /** A connection of this reader's own, for XREADGROUP … BLOCK (it holds its socket while blocked). */
    private readonly blockingClient: Redis,
    readonly group: string,
    readonly consumer: string,
  ) {}

  /** XGROUP CREATE … MKSTREAM; a group that exists already is fine. */
  async ensureGroup(key: string, startId: string): Promise<void> {
    try {
      await this.client.xgroup('CREATE', key, this.group, startId, 'MKSTREAM');
    } catch (e) {
      if (!String((e as Error).message).startsWith('BUSYGROUP')) throw e;
    }
  }

  /**
   * Takes over one page of the group's pending entries, whoever holds them, in id order:
   * XAUTOCLAIM min-idle 0 JUSTID (JUSTID leaves the delivery counters alone), then the
   * counters (XPENDING) and the entries (XRANGE) of what was claimed.
   */
  async claimPage(key: string, cursor: string, count: number): Promise<ClaimPage> {
    const [next, ids, deleted] = (await this.client.xautoclaim(key, this.group, this.consumer, 0, cursor, 'COUNT', count, 'JUSTID')) as [string, string[], string[]];
    if (ids.length === 0) return { entries: [], gone: deleted ?? [], next };
    const pipeline = this.client.pipeline();
    pipeline.xpending(key, this.group, ids[0]!, ids[ids.length - 1]!, ids.length, this.consumer);
    for (const id of ids) pipeline.xrange(key, id, id);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
    const counts = new Map((replies[0]![1] as [string, string, number, number][]).map(([id, , , n]) => [id, Number(n)]));
    const entries: ClaimedEntry[] = [];
    const gone = [...(deleted ?? [])];
    ids.forEach((id, i) => {
      const found = (replies[i + 1]![1] as [string, string[]][])[0];
      if (found) entries.push({ id, fields: found[1], deliveries: counts.get(id) ?? 1 });
      else gone.push(id);
    });
    return { entries, gone, next };
  }

  /** XREADGROUP … STREAMS keys > : entries never delivered to anyone (their counter becomes 1). */
  async readNew(keys: string[], count: number, blockMs: number): Promise<Map<string, StreamEntry[]>> {
    const args: (string | number)[] = ['GROUP', this.group, this.consumer, 'COUNT', count];
    if (blockMs > 0) args.push('BLOCK', blockMs);
    args.push('STREAMS', ...keys, ...keys.map(() => '>'));
    const client = blockMs > 0 ? this.blockingClient : this.client;
    const reply = (await client.call('xreadgroup', ...args)) as [string, [string, string[] | null][]][] | null;
    const out = new Map<string, StreamEntry[]>();
    for (const [key, entries] of reply ?? []) {
      const kept: StreamEntry[] = [];
      // A nil field list is an entry deleted after delivery; nothing to emit.
      for (const [id, fields] of entries) if (fields !== null) kept.push({ id, fields });
      out.set(key, kept);
    }
    return out;
  }

  async ack(key: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.client.xack(key, this.group, ...ids);
  }

  /** Sets the delivery counters of entries this consumer holds (XCLAIM … RETRYCOUNT n JUSTID). */
  async setDeliveries(key: string, byCount: Map<number, string[]>): Promise<void> {
    if (byCount.size === 0) return;
    const pipeline = this.client.pipeline();
    for (const [count, ids] of byCount) pipeline.xclaim(key, this.group, this.consumer, 0, ...ids, 'RETRYCOUNT', count, 'JUSTID');
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
  }

  /** Sets the delivery counters of `ids` to 0, for those still pending for this consumer (see RESET_IF_MINE). */
  async resetDeliveriesIfMine(key: string, ids: string[]): Promise<void> {
    if (ids.length > 0) await RESET_IF_MINE.run(this.client, [key], [this.group, this.consumer, ...ids]);
  }

  /** The last id the stream ever generated (`0-0` when it does not exist). */
  async lastGeneratedId(key: string): Promise<string> {
    try {
      const info = (await this.client.xinfo('STREAM', key)) as unknown[];
      const i = info.indexOf('last-generated-id');
      return i >= 0 ? String(info[i + 1]) : '0-0';
    } catch (e) {
      if (String((e as Error).message).includes('no such key')) return '0-0';
      throw e;
    }
  }

  /** Removes this consumer from the group of `key` if nothing is pending for it. */
  async deleteConsumerIfIdle(key: string, consumer = this.consumer): Promise<boolean> {
    return Number(await DELETE_IF_IDLE.run(this.client, [key], [this.group, consumer])) >= 0;
  }

  /**
   * After a takeover nothing is pending for any other consumer of this partition: remove
   * those consumers (names of earlier processes would pile up otherwise).
   */
  async removeIdleConsumers(key: string): Promise<void> {
    const consumers = (await this.client.xinfo('CONSUMERS', key, this.group)) as unknown[][];
    for (const info of consumers) {
      const name = String(info[info.indexOf('name') + 1]);
      const pending = Number(info[info.indexOf('pending') + 1]);
      if (name !== this.consumer && pending === 0) await this.deleteConsumerIfIdle(key, name);
    }
  }
}
