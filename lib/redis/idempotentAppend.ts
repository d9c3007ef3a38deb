import type Redis from 'ioredis';
import { LuaScript } from './luaScript';

/** One entry to append, unless an entry with the same `dedupeId` was appended before. */
export interface AppendEntry {
  readonly dedupeId: string;
  /** Field, value, field, value, … */
  readonly fields: string[];
}

export interface AppendOptions {
  /** Prefix of the marker keys, one per appended entry: `<prefix><dedupeId>`. */
  readonly dedupePrefix: string;
  /** How long a marker lives; a batch retried later than this would be appended again. */
  readonly dedupeTtlSeconds: number;
  /** Trim the stream to about this many entries (`MAXLEN ~ n`); 0 keeps all. */
  readonly maxLen: number;
}

/** Entries per script call: one call blocks the server, so keep each short. */
const CHUNK = 500;

/*
 * Atomic per chunk: for each entry, XADD only when there is no marker `<prefix><id>`, then
 * `SET <prefix><id> <entry id> EX ttl`. The marker holds the entry id, so a retry learns where
 * the entry went (markers written by older versions hold `1`). A chunk is all-or-nothing, and
 * a retried chunk appends only what is missing. Replies are `+<new id>` or `=<marker value>`.
 * Marker keys are not declared in KEYS: fine on a single server, not on Redis Cluster.
 */
const APPEND = new LuaScript(`
local prefix, ttl, maxlen = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local i, out = 4, {}
while i <= #ARGV do
  local id, n = ARGV[i], tonumber(ARGV[i + 1])
  local marker = prefix .. id
  local seen = redis.call('GET', marker)
  if seen then
    out[#out + 1] = '=' .. seen
  else
    local fields = {}
    for j = 1, n do fields[j] = ARGV[i + 1 + j] end
    local entry
    if maxlen > 0 then
      entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', unpack(fields))
    else
      entry = redis.call('XADD', KEYS[1], '*', unpack(fields))
    end
    redis.call('SET', marker, entry, 'EX', ttl)
    out[#out + 1] = '+' .. entry
  end
  i = i + 2 + n
end
return out
`);

/**
 * Appends entries to a stream exactly once per `dedupeId` (within the marker TTL): the Redis
 * stream sink, the idempotent rafka producer and the rafka dead-letter stream use it, so a
 * retried batch appends nothing twice (the rafka sink, for ids without a position only: it
 * dedupes by a mark per split, markedAppend.ts).
 *
 * @example
 * await appendOnce(client, 'out', [{ dedupeId: 'a@1-0', fields: ['id', 'a@1-0', 'data', '{}'] }], { dedupePrefix: 'out:dedupe:', dedupeTtlSeconds: 86400, maxLen: 0 });
 */
export async function appendOnce(client: Redis, stream: string, entries: readonly AppendEntry[], options: AppendOptions): Promise<number> {
  return (await appendOnceWithIds(client, stream, entries, options)).added;
}

/**
 * As appendOnce, with each entry's stream id in input order: the new id, or for an entry
 * appended before (a duplicate) the id its marker remembers. `added` counts the new ones.
 */
export async function appendOnceWithIds(client: Redis, stream: string, entries: readonly AppendEntry[], options: AppendOptions): Promise<{ ids: string[]; duplicate: boolean[]; added: number }> {
  const ids: string[] = [];
  const duplicate: boolean[] = [];
  let added = 0;
  for (let start = 0; start < entries.length; start += CHUNK) {
    const args: (string | number)[] = [options.dedupePrefix, options.dedupeTtlSeconds, options.maxLen];
    for (const e of entries.slice(start, start + CHUNK)) args.push(e.dedupeId, e.fields.length, ...e.fields);
    for (const tagged of (await APPEND.run(client, [stream], args)) as string[]) {
      if (tagged.startsWith('+')) added++;
      duplicate.push(!tagged.startsWith('+'));
      ids.push(tagged.slice(1));
    }
  }
  return { ids, duplicate, added };
}
