import type Redis from 'ioredis';
import { LuaScript } from './luaScript';

/** One entry: its stream and its fields (field, value, …). */
export interface ChunkEntry {
  readonly stream: string;
  readonly fields: readonly string[];
}

/** Entries per script call by default: one call blocks the server, so each stays a few ms. */
export const CHUNK_SIZE = 1000;

/*
 * XADDs a chunk of entries in order, to several streams in one call. KEYS: the chunk's streams;
 * ARGV: maxlen (0: no trim) and the chunk as one JSON array of [stream index in KEYS, field,
 * value, …]. One argument per chunk, not one per field: ioredis spends several times more CPU
 * building a pipeline of XADDs than Redis spends decoding the JSON (measured: the producer's
 * client was the bottleneck). Replies the new entry ids; on an XADD that fails, the error, with
 * how many went in before it.
 */
const APPEND_CHUNK = new LuaScript(`
local maxlen = tonumber(ARGV[1])
local ids = {}
for i, e in ipairs(cjson.decode(ARGV[2])) do
  local r
  if maxlen > 0 then
    r = redis.pcall('XADD', KEYS[e[1]], 'MAXLEN', '~', maxlen, '*', unpack(e, 2))
  else
    r = redis.pcall('XADD', KEYS[e[1]], '*', unpack(e, 2))
  end
  if type(r) == 'table' and r.err then
    return redis.error_reply(r.err .. ' (XADD to ' .. KEYS[e[1]] .. '; ' .. (i - 1) .. ' of the chunk appended before it)')
  end
  ids[i] = r
end
return ids
`);

/**
 * Appends entries in order (at least once: a failed call may have appended part of its chunk,
 * as a failed pipeline may have), chunks of 1000 pipelined; resolves to the new entry ids in
 * input order.
 *
 * @example
 * const [id] = await appendChunks(client, [{ stream: 'orders:0', fields: ['value', '{}'] }], 0);
 */
export async function appendChunks(client: Redis, entries: readonly ChunkEntry[], maxLen: number): Promise<string[]> {
  const calls: Promise<string[]>[] = [];
  for (let start = 0; start < entries.length; start += CHUNK_SIZE) {
    const { keys, rows } = encodeChunk(entries.slice(start, start + CHUNK_SIZE), []);
    calls.push(APPEND_CHUNK.run(client, keys, [maxLen, rows]) as Promise<string[]>);
  }
  return (await settleAll(calls)).flat();
}

/**
 * One chunk as a script call takes it: each stream once in KEYS (after `keys` given), and the
 * entries as one JSON array of [stream index in KEYS, ...head(entry), field, value, …].
 */
export function encodeChunk<E extends ChunkEntry>(entries: readonly E[], keys: string[], head?: (entry: E) => string): { keys: string[]; rows: string } {
  const index = new Map<string, number>();
  const chunk: (string | number)[][] = [];
  for (const e of entries) {
    let k = index.get(e.stream);
    if (k === undefined) {
      keys.push(e.stream);
      index.set(e.stream, (k = keys.length));
    }
    const row: (string | number)[] = head ? [k, head(e)] : [k];
    for (const f of e.fields) row.push(wellFormed(f));
    chunk.push(row);
  }
  return { keys, rows: JSON.stringify(chunk) };
}

/** Every call settles before the first failure is thrown: none is left running behind a retry. */
export async function settleAll<T>(calls: readonly Promise<T>[]): Promise<T[]> {
  const replies = await Promise.allSettled(calls);
  const failed = replies.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return replies.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/**
 * Lone surrogates become U+FFFD, as ioredis's UTF-8 encoding of a plain argument makes them:
 * JSON.stringify would escape them (`\ud800`), which Redis's cjson refuses to decode.
 */
export function wellFormed(s: string): string {
  const text = s as string & { isWellFormed(): boolean; toWellFormed(): string };
  return text.isWellFormed() ? s : text.toWellFormed();
}
