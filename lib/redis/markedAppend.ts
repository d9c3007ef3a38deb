import type Redis from 'ioredis';
import { CHUNK_SIZE, encodeChunk, settleAll } from './chunkAppend';
import { LuaScript } from './luaScript';

/** One entry of a run of entries in strictly increasing `position` order. */
export interface MarkedEntry {
  /** The stream it goes to. */
  readonly stream: string;
  /** Fixed-width and sortable as a string (recordPosition): byte order is the read order. */
  readonly position: string;
  /** Field, value, field, value, … */
  readonly fields: readonly string[];
}

export interface MarkedAppendOptions {
  /** The high-water mark: the position of the last entry of this run's domain ever appended. */
  readonly markKey: string;
  /** How long the mark lives after its last write (refreshed by every call). */
  readonly ttlSeconds: number;
  /** Trim each stream to about this many entries (`MAXLEN ~ n`); 0 keeps all. */
  readonly maxLen: number;
  /** Entries per script call (default CHUNK_SIZE, 1000). */
  readonly chunkSize?: number;
}

/*
 * Atomic per chunk, one call for all the chunk's streams: entries at or below the mark were
 * appended before (a retry, a rerun, a stale writer) and are skipped; the rest are XADDed in
 * order and the mark moves to the last one. XADD runs under pcall: if one fails mid-chunk
 * (wrong type, out of memory), the mark is set to the last entry that did go in before the
 * error is returned, so a retry appends exactly the rest (Lua scripts are not rolled back).
 * The chunks of one call go out pipelined (Redis works on one while the next is encoded), so
 * each carries the position its predecessor ends at (`after`) and runs only when the mark has
 * reached it: a chunk never goes in behind one that failed.
 * KEYS: the mark, then the chunk's streams; ARGV: ttl, maxlen, after ('' for the first chunk), and the chunk as one JSON
 * array of [stream index in KEYS, position, field, value, …] (one argument, not eight per
 * entry: ioredis spends more building a command's arguments than Redis spends decoding the
 * JSON). Replies {added, skipped}.
 */
export const APPEND_ABOVE_MARK = new LuaScript(`
local ttl, maxlen, after = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local mark = redis.call('GET', KEYS[1])
if after ~= '' and not (mark and after <= mark) then
  return redis.error_reply('ADFGAP the chunk before this one was not appended (' .. KEYS[1] .. ')')
end
local chunk = cjson.decode(ARGV[4])
local last, added, skipped = mark, 0, 0
for _, e in ipairs(chunk) do
  local pos = e[2]
  if mark and pos <= mark then
    skipped = skipped + 1
  else
    local r
    if maxlen > 0 then
      r = redis.pcall('XADD', KEYS[e[1]], 'MAXLEN', '~', maxlen, '*', unpack(e, 3))
    else
      r = redis.pcall('XADD', KEYS[e[1]], '*', unpack(e, 3))
    end
    if type(r) == 'table' and r.err then
      if last then redis.call('SET', KEYS[1], last, 'EX', ttl) end
      return redis.error_reply(r.err .. ' (XADD to ' .. KEYS[e[1]] .. '; ' .. added .. ' appended before it, the mark is at them)')
    end
    last = pos
    added = added + 1
  end
end
if last then redis.call('SET', KEYS[1], last, 'EX', ttl) end
return {added, skipped}
`);

/**
 * Appends a run of entries, in order, to their streams exactly once per position: entries at
 * or below the mark `markKey` are skipped, the rest appended and the mark moved past them.
 * One key per run's domain (a split), whatever the number of entries: the dedupe costs one
 * GET and one SET per chunk of 1000, not a GET and a SET per entry. Correct only when a
 * domain's entries are always appended in increasing position order and every position below
 * the mark was appended (no gap skipped forward, then read back): the caller checks the order.
 *
 * @example
 * await appendAboveMark(client, [{ stream: 't:0', position: '0000000000000042', fields: ['value', '{}'] }], { markKey: 't:mark:a', ttlSeconds: 86400, maxLen: 0 });
 */
export async function appendAboveMark(client: Redis, entries: readonly MarkedEntry[], options: MarkedAppendOptions): Promise<{ added: number; skipped: number }> {
  const size = options.chunkSize ?? CHUNK_SIZE;
  const calls: Promise<[number, number]>[] = [];
  for (let start = 0; start < entries.length; start += size) {
    const { keys, rows } = encodeChunk(entries.slice(start, start + size), [options.markKey], (e) => e.position);
    const after = start === 0 ? '' : entries[start - 1]!.position;
    calls.push(APPEND_ABOVE_MARK.run(client, keys, [options.ttlSeconds, options.maxLen, after, rows]) as Promise<[number, number]>);
  }
  let added = 0;
  let skipped = 0;
  for (const [a, s] of await settleAll(calls)) {
    added += a;
    skipped += s;
  }
  return { added, skipped };
}
