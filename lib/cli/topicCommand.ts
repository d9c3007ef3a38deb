import type Redis from 'ioredis';
import { ConfigError } from '../errors';
import { acquireRedisClient, closeRedisClients } from '../redis/redisClient';
import { wrapRedisError } from '../redis/redisErrors';
import { addPartitions, createTopicMetadata, readTopicMetadata } from '../rafka/RafkaTopicMetadata';
import { TOPIC_HELP } from './help';
import { parseCommandArgs } from './parseCommandArgs';

const OPTIONS = {
  partitions: { type: 'string' }, 'max-len': { type: 'string' }, to: { type: 'string' },
  'redis-url': { type: 'string' }, json: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

/** `adf topic create|describe|add-partitions <topic>`, like kafka-topics and kafka-consumer-groups. */
export async function topicCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = parseCommandArgs('topic', { args, options: OPTIONS, allowPositionals: true });
  if (v.help) return void process.stdout.write(TOPIC_HELP), 0;
  const [action, topic, ...extra] = positionals;
  if (!action || !topic || extra.length > 0) throw new ConfigError('usage: adf topic create|describe|add-partitions <topic> (see adf topic --help)');
  const lease = acquireRedisClient({ url: v['redis-url'] });
  try {
    const client = lease.client;
    if (action === 'create') {
      const partitions = wholeNumber('--partitions', v.partitions, true)!;
      const maxLen = wholeNumber('--max-len', v['max-len'], false);
      const meta = await call('create', () => createTopicMetadata(client, topic, { partitions, maxLen }));
      process.stdout.write(`${JSON.stringify({ topic, ...meta })}\n`);
      return 0;
    }
    if (action === 'add-partitions') {
      const to = wholeNumber('--to', v.to, true)!;
      const { from } = await call('add-partitions', () => addPartitions(client, topic, to));
      process.stdout.write(`${JSON.stringify({ topic, partitions: to, was: from })}\n`);
      // What Kafka users know, said out loud: the partition of a key is hash % count.
      process.stderr.write(`topic ${topic}: ${from} → ${to} partitions. Keys now hash modulo ${to}, so most keys map to a different partition from here on; a key's earlier records stay where they were, so order per key holds only within each partition. Running readers pick up the new partitions at their next discovery.\n`);
      return 0;
    }
    if (action === 'describe') {
      const description = await call('describe', () => describeTopic(client, topic));
      process.stdout.write(v.json ? `${JSON.stringify(description, null, 2)}\n` : formatDescription(description));
      return 0;
    }
    throw new ConfigError(`unknown topic action "${action}": create, describe or add-partitions (see adf topic --help)`);
  } finally {
    lease.release();
    await closeRedisClients();
  }
}

export interface PartitionDescription {
  readonly partition: number;
  readonly length: number;
  readonly firstId: string | null;
  readonly lastId: string | null;
  /** Per group: `lag` = entries the group has not acknowledged (unread + pending), i.e. what it still has to read. */
  readonly groups: { name: string; lag: number; unread: number; pending: number; lastDeliveredId: string }[];
}

export interface TopicDescription {
  readonly topic: string;
  readonly partitions: number;
  readonly created: string | null;
  readonly maxLen: number | null;
  readonly metadata: boolean;
  readonly length: number;
  readonly partitionDetails: PartitionDescription[];
}

/** Partitions (from metadata, else the streams `<topic>:<n>`), length, first/last id, and each group's lag and pending. */
export async function describeTopic(client: Redis, topic: string): Promise<TopicDescription> {
  const meta = await readTopicMetadata(client, topic);
  const count = meta?.partitions ?? (await scanPartitionCount(client, topic));
  if (count === 0) throw new ConfigError(`topic ${topic} does not exist: no ${topic}:meta and no ${topic}:<n> streams`, { context: { field: 'topic' } });
  const details: PartitionDescription[] = [];
  for (let p = 0; p < count; p++) {
    const key = `${topic}:${p}`;
    if (!(await client.exists(key))) {
      details.push({ partition: p, length: 0, firstId: null, lastId: null, groups: [] });
      continue;
    }
    const [length, first, last, groupsRaw] = await Promise.all([
      client.xlen(key), client.xrange(key, '-', '+', 'COUNT', 1), client.xrevrange(key, '+', '-', 'COUNT', 1), client.call('XINFO', 'GROUPS', key) as Promise<unknown[][]>,
    ]);
    const groups = [];
    for (const flat of groupsRaw) {
      const g = fieldMap(flat);
      const lastDeliveredId = String(g['last-delivered-id']);
      const pending = Number(g.pending);
      // Redis 7 knows the lag unless entries were deleted; else count what follows the last delivered id.
      const unread = g.lag === null || g.lag === undefined ? await countAfter(client, key, lastDeliveredId) : Number(g.lag);
      groups.push({ name: String(g.name), lag: unread + pending, unread, pending, lastDeliveredId });
    }
    details.push({ partition: p, length, firstId: first[0]?.[0] ?? null, lastId: last[0]?.[0] ?? null, groups });
  }
  return {
    topic, partitions: count, metadata: meta !== undefined, created: meta?.created ? new Date(meta.created).toISOString() : null, maxLen: meta?.maxLen ?? null,
    length: details.reduce((n, d) => n + d.length, 0), partitionDetails: details,
  };
}

function formatDescription(d: TopicDescription): string {
  const lines = [`topic ${d.topic}: ${d.partitions} partitions${d.metadata ? '' : ' (no metadata: found by SCAN)'}, ${d.length} entries, created ${d.created ?? '?'}, retention ${d.maxLen ? `~${d.maxLen} entries per partition` : 'all'}`];
  lines.push(['partition', 'length', 'first id', 'last id', 'group', 'lag', 'pending'].join('\t'));
  for (const p of d.partitionDetails) {
    const head = [p.partition, p.length, p.firstId ?? '-', p.lastId ?? '-'];
    if (p.groups.length === 0) lines.push([...head, '-', '-', '-'].join('\t'));
    for (const g of p.groups) lines.push([...head, g.name, g.lag, g.pending].join('\t'));
  }
  return `${lines.join('\n')}\n`;
}

async function scanPartitionCount(client: Redis, topic: string): Promise<number> {
  let cursor = '0';
  let max = -1;
  const pattern = new RegExp(`^${topic.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(0|[1-9]\\d{0,8})$`);
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${topic.replace(/[*?[\]\\]/g, '\\$&')}:*`, 'COUNT', 1000, 'TYPE', 'stream');
    for (const k of keys) {
      const m = pattern.exec(k);
      if (m) max = Math.max(max, Number(m[1]));
    }
    cursor = next;
  } while (cursor !== '0');
  return max + 1;
}

async function countAfter(client: Redis, key: string, id: string): Promise<number> {
  let n = 0;
  let start = `(${id}`;
  for (;;) {
    const page = await client.xrange(key, start, '+', 'COUNT', 10_000);
    n += page.length;
    if (page.length < 10_000) return n;
    start = `(${page[page.length - 1]![0]}`;
  }
}

function fieldMap(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

function wholeNumber(flag: string, raw: string | undefined, required: boolean): number | undefined {
  if (raw === undefined) {
    if (required) throw new ConfigError(`${flag} is required (see adf topic --help)`, { context: { field: flag.slice(2) } });
    return undefined;
  }
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1) throw new ConfigError(`${flag} must be a whole number of at least 1 (got ${JSON.stringify(raw)})`, { context: { field: flag.slice(2) } });
  return n;
}

async function call<R>(what: string, fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw wrapRedisError(e, `adf topic ${what}`);
  }
}
