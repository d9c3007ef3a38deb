import { hostname } from 'node:os';
import { ConfigError } from '../errors';
import { acquireRedisClient, closeRedisClients } from '../redis/redisClient';
import { wrapRedisError } from '../redis/redisErrors';
import { readTopicMetadata } from '../rafka/RafkaTopicMetadata';
import { isStreamId } from '../sources/rafka/streamIds';
import { CONSUME_HELP } from './help';
import { parseCommandArgs } from './parseCommandArgs';

const OPTIONS = {
  group: { type: 'string' }, from: { type: 'string' }, max: { type: 'string' }, 'redis-url': { type: 'string' },
  'exit-at-end': { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

const PAGE = 1_000;
/** Pause after a poll of every partition found nothing. */
const IDLE_MS = 200;

/**
 * `adf consume <topic> [--group G] [--from earliest|latest|<id>] [--max N] [--exit-at-end]`,
 * like kafka-console-consumer: every partition's entries as JSON Lines on stdout
 * (`{"partition","id","key","value","headers"}`), in entry order per partition. Without
 * --group it reads from --from (default earliest) and commits nothing; with --group it reads
 * the group's unread entries (a new group starts at --from) and acknowledges each page once it
 * is written to stdout. Follows the topic until Ctrl-C, --max records, or (--exit-at-end) an
 * empty poll.
 */
export async function consumeCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs('consume', { args, options: OPTIONS, allowPositionals: true });
  if (v.help) return void process.stdout.write(CONSUME_HELP), 0;
  if (positionals.length !== 1) throw new ConfigError('usage: adf consume <topic> [--group G] [--from earliest|latest|<id>] [--max N] (see adf consume --help)');
  const topic = positionals[0]!;
  const from = v.from ?? 'earliest';
  if (from !== 'earliest' && from !== 'latest' && !isStreamId(from)) throw new ConfigError(`--from must be earliest, latest or an entry id like 1700000000000-0 (got ${JSON.stringify(from)})`, { context: { field: 'from' } });
  const max = v.max === undefined ? Infinity : Number(v.max);
  if (v.max !== undefined && (!/^\d+$/.test(v.max) || max < 1)) throw new ConfigError(`--max must be a whole number of at least 1 (got ${JSON.stringify(v.max)})`, { context: { field: 'max' } });
  let stopped = false;
  const stop = () => void (stopped = true);
  process.on('SIGINT', stop);
  const lease = acquireRedisClient({ url: v['redis-url'] }, 'consume');
  try {
    const client = lease.client;
    const meta = await call(() => readTopicMetadata(client, topic));
    if (!meta) throw new ConfigError(`topic ${topic} has no metadata (${topic}:meta); create it with adf topic create`, { context: { field: 'topic' } });
    const keys = Array.from({ length: meta.partitions }, (_, p) => `${topic}:${p}`);
    const startId = from === 'earliest' ? '0' : from === 'latest' ? '$' : from;
    let printed = 0;
    const consumer = `adf-consume-${hostname()}-${process.pid}`;
    if (v.group) for (const key of keys) await call(() => client.xgroup('CREATE', key, v.group!, startId, 'MKSTREAM').catch((e: Error) => (String(e.message).startsWith('BUSYGROUP') ? 'OK' : Promise.reject(e))));
    // Without a group, each partition's position; `$` is resolved to the last id now, so entries appended meanwhile are not missed.
    const positions = v.group ? [] : await Promise.all(keys.map(async (key) => (startId === '$' ? ((await client.xrevrange(key, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0') : startId)));
    // One partition per call, never more than what --max still allows: XREAD's COUNT applies
    // per stream, and an entry a group read but did not print would be left pending.
    while (!stopped && printed < max) {
      let round = 0;
      for (let partition = 0; partition < keys.length && !stopped && printed < max; partition++) {
        const key = keys[partition]!;
        const count = Math.min(PAGE, max - printed);
        const reply = (await call(() =>
          v.group ? client.xreadgroup('GROUP', v.group!, consumer, 'COUNT', count, 'STREAMS', key, '>') : client.xread('COUNT', count, 'STREAMS', key, positions[partition]!),
        )) as [string, [string, string[]][]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        round += entries.length;
        printed += entries.length;
        await write(entries.map(([id, fields]) => `${JSON.stringify(toRecord(partition, id, fields))}\n`).join(''));
        positions[partition] = entries[entries.length - 1]![0];
        // Acknowledged only once written: a crash before this leaves them pending for the group.
        if (v.group) await call(() => client.xack(key, v.group!, ...entries.map(([id]) => id)));
      }
      if (round === 0) {
        if (v['exit-at-end']) break;
        await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      }
    }
    if (v.group) await Promise.all(keys.map((key) => client.xgroup('DELCONSUMER', key, v.group!, consumer).catch(() => undefined)));
    return 0;
  } finally {
    process.off('SIGINT', stop);
    lease.release();
    await closeRedisClients();
  }
}

/** An entry as a record: key, value (parsed JSON when it is), headers, and the record id when it has one. */
function toRecord(partition: number, id: string, fields: string[]): Record<string, unknown> {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  if (f.value === undefined) return { partition, id, fields: f };
  return { partition, id, key: f.key ?? null, value: parseJson(f.value), ...(f.headers !== undefined ? { headers: parseJson(f.headers) } : {}), ...(f.id !== undefined ? { recordId: f.id } : {}) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function write(text: string): Promise<void> {
  return new Promise((resolve) => (text === '' || process.stdout.write(text) ? resolve() : process.stdout.once('drain', resolve)));
}

async function call<R>(fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (e) {
    throw wrapRedisError(e, 'adf consume');
  }
}
