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
 * Atomic per chunk: for each entry, `SET <prefix><id> 1 NX EX ttl` and XADD only when the
 * marker was new. A chunk is all-or-nothing, and a retried chunk appends only what is missing.
 * Marker keys are not declared in KEYS: fine on a single server, not on Redis Cluster.
 */
const APPEND = new LuaScript(`
local prefix, ttl, maxlen = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local i, added = 4, 0
while i <= #ARGV do
  local id, n = ARGV[i], tonumber(ARGV[i + 1])
  if redis.call('SET', prefix .. id, '1', 'NX', 'EX', ttl) then
    local fields = {}
    for j = 1, n do fields[j] = ARGV[i + 1 + j] end
    if maxlen > 0 then
      redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', unpack(fields))
    else
      redis.call('XADD', KEYS[1], '*', unpack(fields))
    end
    added = added + 1
  end
  i = i + 2 + n
end
return added
`);

/**
 * Appends entries to a stream exactly once per `dedupeId` (within the marker TTL): the Redis
 * stream sink and the rafka dead-letter stream both use it, so a retried batch appends nothing twice.
 *
 * @example
 * await appendOnce(client, 'out', [{ dedupeId: 'a@1-0', fields: ['id', 'a@1-0', 'data', '{}'] }], { dedupePrefix: 'out:dedupe:', dedupeTtlSeconds: 86400, maxLen: 0 });
 */
export async function appendOnce(client: Redis, stream: string, entries: readonly AppendEntry[], options: AppendOptions): Promise<number> {
  let added = 0;
  for (let start = 0; start < entries.length; start += CHUNK) {
    const args: (string | number)[] = [options.dedupePrefix, options.dedupeTtlSeconds, options.maxLen];
    for (const e of entries.slice(start, start + CHUNK)) args.push(e.dedupeId, e.fields.length, ...e.fields);
    added += Number(await APPEND.run(client, [stream], args));
  }
  return added;
}
