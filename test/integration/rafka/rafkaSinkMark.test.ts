/**
 * The rafka sink's dedupe (one high-water mark per split, lib/rafka/splitOrderedSend.ts)
 * against faults, as a property on a real redis-server: a split's records are sent in batches
 * of random sizes; any script call may fail before it reaches Redis, lose its reply after
 * Redis applied it, or fail in the middle (an XADD refused with WRONGTYPE after some of the
 * chunk's records went in); a failed batch is sent again from the last "commit" with another
 * size, keyless records land on a random partition on every attempt, stale writers replay
 * committed batches, and the whole split is finally sent again from its start (a rerun).
 * Every record must be in the topic exactly once, each partition in read order.
 */
import fc from 'fast-check';
import type Redis from 'ioredis';
import { createTopicMetadata, kafkaPartitionForKey, rafkaSink } from '../../../lib/rafka';
import { markKey, sendSplitOnce } from '../../../lib/rafka/splitOrderedSend';
import type { SplitEntry } from '../../../lib/rafka/splitOrderedSend';
import { APPEND_ABOVE_MARK } from '../../../lib/redis/markedAppend';
import { readAll } from '../../helpers/redisTopic';
import { useRedisServer } from '../../helpers/useRedisServer';

jest.setTimeout(240_000);
const redis = useRedisServer();

type Fault = { kind: 'none' } | { kind: 'before' } | { kind: 'lost' } | { kind: 'trap'; at: number };

/** The client as sendSplitOnce sees it, each script call going through the next fault. */
function faultyClient(client: Redis, trapKey: string, next: () => Fault): Redis {
  const script = (method: 'evalsha' | 'eval') => async (...args: (string | number)[]) => {
    const fault = next();
    if (fault.kind === 'before') throw new Error('injected: connection lost before the script was sent');
    if (fault.kind === 'trap' && (args[0] === APPEND_ABOVE_MARK.sha || args[0] === APPEND_ABOVE_MARK.source)) args = trap(args, trapKey, fault.at);
    const reply = await (client[method] as (...a: unknown[]) => Promise<unknown>)(...args);
    if (fault.kind === 'lost') throw new Error('injected: reply lost after the script ran');
    return reply;
  };
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'evalsha' || prop === 'eval') return script(prop);
      const value = (target as unknown as Record<PropertyKey, unknown>)[prop];
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Points the chunk's record `at` (mod its size) at a key that is not a stream: that XADD fails mid-script. */
function trap(args: (string | number)[], trapKey: string, at: number): (string | number)[] {
  const keys = Number(args[1]);
  const [ttl, maxLen, after, json] = args.slice(2 + keys);
  const chunk = JSON.parse(String(json)) as (string | number)[][];
  chunk[at % chunk.length]![0] = keys + 1;
  return [args[0]!, keys + 1, ...args.slice(2, 2 + keys), trapKey, ttl!, maxLen!, after!, JSON.stringify(chunk)];
}

interface Rec {
  readonly id: string;
  readonly key: string | undefined;
}

const records = fc
  .array(fc.record({ gap: fc.integer({ min: 1, max: 500 }), key: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: undefined }), fanOut: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 60 })
  .map((specs) => {
    const out: Rec[] = [];
    let offset = 0;
    for (const s of specs) {
      offset += s.gap;
      if (s.fanOut === 0) out.push({ id: `in/a.csv@${offset}`, key: s.key });
      else for (let i = 0; i < s.fanOut; i++) out.push({ id: `in/a.csv@${offset}/${i}`, key: s.key });
    }
    return out;
  });

const fault: fc.Arbitrary<Fault> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Fault>({ kind: 'none' }) },
  { weight: 1, arbitrary: fc.constant<Fault>({ kind: 'before' }) },
  { weight: 1, arbitrary: fc.constant<Fault>({ kind: 'lost' }) },
  { weight: 2, arbitrary: fc.nat(100).map<Fault>((at) => ({ kind: 'trap', at })) },
);

let topics = 0;

describe('rafka sink dedupe by split high-water mark', () => {
  it('appends every record exactly once, each partition in read order, whatever fails where', async () => {
    await fc.assert(
      fc.asyncProperty(
        records,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 7 }),
        fc.infiniteStream(fc.integer({ min: 1, max: 25 })),
        fc.infiniteStream(fault),
        fc.infiniteStream(fc.integer({ min: 0, max: 9 })),
        async (recs, partitions, chunkSize, sizes, faults, dice) => {
          const topic = `mark-${++topics}`;
          const trapKey = `${topic}:trap`;
          await redis.client.set(trapKey, 'not a stream');
          let injected = 0;
          // Faults stop after 40, so every run ends.
          const client = faultyClient(redis.client, trapKey, () => (injected++ < 40 ? faults.next().value : { kind: 'none' }));
          const entries = (batch: readonly Rec[]): SplitEntry[] =>
            batch.map((r) => ({ id: r.id, stream: `${topic}:${r.key === undefined ? dice.next().value % partitions : kafkaPartitionForKey(r.key, partitions)}`, fields: ['id', r.id] }));
          const send = (batch: readonly Rec[]) => sendSplitOnce(client, 'in/a.csv', entries(batch), { topic, ttlSeconds: 600, maxLen: 0, chunkSize });
          let committed = 0;
          while (committed < recs.length) {
            const size = sizes.next().value;
            try {
              await send(recs.slice(committed, committed + size));
              committed = Math.min(recs.length, committed + size);
            } catch {
              // not committed: the next attempt starts from `committed` again, maybe with another size
            }
            if (committed > 0 && dice.next().value === 0) {
              // a stale writer (a lease holder that lost its lease) replays an earlier batch: appends nothing
              const from = dice.next().value % committed;
              expect(await sendSplitOnce(redis.client, 'in/a.csv', entries(recs.slice(from, committed)), { topic, ttlSeconds: 600, maxLen: 0, chunkSize })).toMatchObject({ added: 0 });
            }
          }
          // a rerun of the whole split (a fresh state) with other batch sizes: nothing new
          for (let from = 0; from < recs.length; from += 13) {
            expect(await sendSplitOnce(redis.client, 'in/a.csv', entries(recs.slice(from, from + 13)), { topic, ttlSeconds: 600, maxLen: 0 })).toMatchObject({ added: 0 });
          }
          const seen: string[] = [];
          for (let p = 0; p < partitions; p++) {
            const ids = (await readAll(redis.client, `${topic}:${p}`)).map((e) => e.fields.id!);
            const order = ids.map((id) => recs.findIndex((r) => r.id === id));
            expect(order).toEqual([...order].sort((x, y) => x - y)); // read order kept within the partition
            for (const id of ids) {
              const key = recs.find((r) => r.id === id)!.key;
              if (key !== undefined) expect(p).toBe(kafkaPartitionForKey(key, partitions));
            }
            seen.push(...ids);
          }
          expect([...seen].sort()).toEqual(recs.map((r) => r.id).sort()); // each exactly once
        },
      ),
      { numRuns: 60 },
    );
  });

  it('ids without a position (a custom source) fall back to one marker per id, still exactly once across lost replies', async () => {
    const topic = 'custom-ids';
    const recs = Array.from({ length: 30 }, (_, i) => ({ id: `row-${i}`, stream: `${topic}:${i % 3}`, fields: ['id', `row-${i}`] }));
    let calls = 0;
    const client = faultyClient(redis.client, `${topic}:trap`, () => (calls++ % 2 === 0 ? { kind: 'lost' } : { kind: 'none' }));
    await expect(sendSplitOnce(client, 's', recs, { topic, ttlSeconds: 600, maxLen: 0 })).rejects.toThrow(/reply lost/);
    await sendSplitOnce(redis.client, 's', recs, { topic, ttlSeconds: 600, maxLen: 0 });
    const ids = (await Promise.all([0, 1, 2].map((p) => readAll(redis.client, `${topic}:${p}`)))).flat().map((e) => e.fields.id);
    expect(ids.sort()).toEqual(recs.map((r) => r.id).sort());
  });

  it('refuses a batch whose positions do not increase, appending nothing of it', async () => {
    const topic = 'unordered';
    const recs = ['f@10', 'f@30', 'f@20'].map((id) => ({ id, stream: `${topic}:0`, fields: ['id', id] }));
    await expect(sendSplitOnce(redis.client, 'f', recs, { topic, ttlSeconds: 600, maxLen: 0 })).rejects.toThrow(/gave record f@20 after f@30/);
    expect(await redis.client.xlen(`${topic}:0`)).toBe(0);
  });
});

describe('rafka sink (the flow sink on top of it)', () => {
  it('keeps one dedupe key per split, not one per record, expiring with dedupeTtlSeconds; a rerun in other batches appends nothing', async () => {
    const topic = 'sinkkeys';
    await createTopicMetadata(redis.client, topic, { partitions: 4 });
    const recs = Array.from({ length: 3000 }, (_, i) => ({ id: `in/a.csv@${i * 40}`, value: { customer: `c${i % 50}`, n: i } }));
    const load = async (batch: number) => {
      const writer = await rafkaSink<{ customer: string }>({ url: redis.url, topic, keyField: 'customer', dedupeTtlSeconds: 3600 }).open({ readerId: 0 });
      for (let i = 0; i < recs.length; i += batch) await writer.write({ splitId: 'in/a.csv', records: recs.slice(i, i + batch), sinkState: undefined });
      await writer.close();
    };
    await load(700);
    await load(450); // a rerun of the split from its start (a fresh state), other batch boundaries
    const keys = (await redis.client.keys(`${topic}:*`)).sort();
    expect(keys).toEqual([`${topic}:0`, `${topic}:1`, `${topic}:2`, `${topic}:3`, markKey(topic, 'in/a.csv', 'in/a.csv'), `${topic}:meta`].sort());
    const ttl = await redis.client.ttl(markKey(topic, 'in/a.csv', 'in/a.csv'));
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    const entries = (await Promise.all([0, 1, 2, 3].map((p) => readAll(redis.client, `${topic}:${p}`)))).flat();
    expect(entries.map((e) => e.fields.id).sort()).toEqual(recs.map((r) => r.id).sort());
    for (const e of entries) expect(JSON.parse(e.fields.value!)).toEqual(recs.find((r) => r.id === e.fields.id)!.value);
  });
});
