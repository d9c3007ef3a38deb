import type Redis from 'ioredis';
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
  /** Entries per script call (default 1000: one call blocks the server, so keep each to a few ms). */
  readonly chunkSize?: number;
}

const CHUNK = 1000;

/*
 * Atomic per chunk, one call for all the chunk's streams: entries at or below the mark were
 * appended before (a retry, a rerun, a stale writer) and are skipped; the rest are XADDed in
 * order and the mark moves to the last one. XADD runs under pcall: if one fails mid-chunk
 * (wrong type, out of memory), the mark is set to the last entry that did go in before the
 * error is returned, so a retry appends exactly the rest (Lua scripts are not rolled back).
 * KEYS: the mark, then the chunk's streams; ARGV: ttl, maxlen, then per entry its stream's
 * index in KEYS, its position, its field count and fields. Replies {added, skipped}.
 */
export const APPEND_ABOVE_MARK = new LuaScript(`
local ttl, maxlen = tonumber(ARGV[1]), tonumber(ARGV[2])
local mark = redis.call('GET', KEYS[1])
local last, added, skipped, i = mark, 0, 0, 3
while i <= #ARGV do
  local k, pos, n = tonumber(ARGV[i]), ARGV[i + 1], tonumber(ARGV[i + 2])
  if mark and pos <= mark then
    skipped = skipped + 1
  else
    local fields = {}
    for j = 1, n do fields[j] = ARGV[i + 2 + j] end
    local r
    if maxlen > 0 then
      r = redis.pcall('XADD', KEYS[k], 'MAXLEN', '~', maxlen, '*', unpack(fields))
    else
      r = redis.pcall('XADD', KEYS[k], '*', unpack(fields))
    end
    if type(r) == 'table' and r.err then
      if last then redis.call('SET', KEYS[1], last, 'EX', ttl) end
      return redis.error_reply(r.err .. ' (XADD to ' .. KEYS[k] .. '; ' .. added .. ' appended before it, the mark is at them)')
    end
    last = pos
    added = added + 1
  end
  i = i + 3 + n
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
  let added = 0;
  let skipped = 0;
  const chunk = options.chunkSize ?? CHUNK;
  for (let start = 0; start < entries.length; start += chunk) {
    const keys = [options.markKey];
    const index = new Map<string, number>();
    const args: (string | number)[] = [options.ttlSeconds, options.maxLen];
    for (let i = start; i < Math.min(entries.length, start + chunk); i++) {
      const e = entries[i]!;
      let k = index.get(e.stream);
      if (k === undefined) {
        keys.push(e.stream);
        index.set(e.stream, (k = keys.length));
      }
      args.push(k, e.position, e.fields.length, ...e.fields);
    }
    const [a, s] = (await APPEND_ABOVE_MARK.run(client, keys, args)) as [number, number];
    added += a;
    skipped += s;
  }
  return { added, skipped };
}
