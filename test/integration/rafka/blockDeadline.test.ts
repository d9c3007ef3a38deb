import fc from 'fast-check';
import Redis from 'ioredis';
import { acquireRedisClient } from '../../../lib/redis';
import type { RedisLease } from '../../../lib/redis/redisClient';
import { InputStatus } from '../../../lib/source-support';
import { RafkaSplit, rafkaSource } from '../../../lib/sources/rafka';
import type { RafkaSourceReader } from '../../../lib/sources/rafka';
import { useRedisServer } from '../../helpers/useRedisServer';

/**
 * The caught-up wait of a Rafka reader (issue 11 item 2): a poll with nothing to read blocks
 * in Redis (XREADGROUP … BLOCK) for at most blockMs and never past the poll's deadline (the
 * serverless reader keeps polling within its time budget, which must hold), never with BLOCK 0
 * (forever), and it returns as soon as an entry arrives on any partition it holds. Real
 * redis-server; the reader's blocking connection is watched to see each BLOCK as it is sent.
 */
const redis = useRedisServer();
const open: RafkaSourceReader[] = [];
const leases: RedisLease[] = [];
let readerIds = 100;

afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
  for (const lease of leases.splice(0)) lease.release();
});

interface SentBlock {
  readonly ms: number;
  readonly at: number;
}

/** A started reader holding `partitions` of `topic`, and every BLOCK its blocking connection sends. */
async function watchedReader(topic: string, partitions: number, blockMs: number) {
  const readerId = readerIds++;
  const lease = acquireRedisClient({ url: redis.url }, `blocking-${readerId}`); // the reader's own lane, same cached client
  leases.push(lease);
  const blocks: SentBlock[] = [];
  const onBlock: (() => void)[] = [];
  const call = lease.client.call.bind(lease.client) as (...args: unknown[]) => Promise<unknown>;
  (lease.client as unknown as { call: typeof call }).call = (...args: unknown[]) => {
    const i = args.indexOf('BLOCK');
    if (String(args[0]).toLowerCase() === 'xreadgroup' && i >= 0) {
      blocks.push({ ms: Number(args[i + 1]), at: Date.now() });
      onBlock.splice(0).forEach((f) => f());
    }
    return call(...args);
  };
  const reader = rafkaSource({ url: redis.url, topic, partitions, blockMs }).createReader({ readerId, sendSplitRequest: () => undefined });
  open.push(reader);
  await reader.start();
  reader.addSplits(Array.from({ length: partitions }, (_, p) => new RafkaSplit({ topic, partition: p, streamKey: `${topic}:${p}` })));
  reader.notifyNoMoreSplits();
  return { reader, blocks, blocked: () => new Promise<void>((done) => onBlock.push(done)) };
}

describe('RafkaSourceReader: waiting for new entries', () => {
  it('never blocks past the poll deadline, for at most blockMs, and never with BLOCK 0', async () => {
    const { reader, blocks } = await watchedReader('deadline', 1, 1_000);
    await reader.poll({ maxRecords: 10, deadline: Date.now() + 50 }); // group created, takeover done: caught up from here on
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -20, max: 250 }), fc.double({ min: 0, max: 0.99, noNaN: true }), async (inMs, fraction) => {
        blocks.length = 0;
        const started = Date.now();
        const deadline = started + inMs + fraction;

        const polled = await reader.poll({ maxRecords: 10, deadline });

        expect(polled.status).toBe(InputStatus.NOTHING_AVAILABLE);
        for (const block of blocks) {
          expect(block.ms).toBeGreaterThanOrEqual(1);
          expect(block.ms).toBeLessThanOrEqual(Math.min(1_000, deadline - started));
        }
      }),
      { numRuns: 15 },
    );
  });

  it('returns the entry as soon as it is appended to any partition it holds, not when blockMs runs out', async () => {
    const { reader, blocked } = await watchedReader('wake', 2, 1_000);
    await reader.poll({ maxRecords: 10, deadline: Date.now() + 50 }); // caught up: nothing in either partition
    const waiting = blocked();
    const polling = reader.poll({ maxRecords: 10 });
    await waiting; // the BLOCK is on its way to Redis

    const id = await redis.client.xadd('wake:1', '*', 'n', '1');
    const polled = await polling;

    // A BLOCK that ran out instead would have returned nothing: the entry only on the next poll.
    expect(polled.status).toBe(InputStatus.MORE_AVAILABLE);
    expect(polled.batch?.records.map((r) => r.id)).toEqual([`wake:1@${id}`]);
  });

  it('two open readers with one reader id (serverless readers are all 0) block on connections of their own: one wakes while the other still waits', async () => {
    // Every XREADGROUP … BLOCK any client sends, in order.
    const sent: string[] = [];
    const onBlock: (() => void)[] = [];
    const call = Redis.prototype.call as (this: Redis, ...args: unknown[]) => Promise<unknown>;
    const spy = jest.spyOn(Redis.prototype, 'call').mockImplementation(function (this: Redis, ...args: unknown[]) {
      if (String(args[0]).toLowerCase() === 'xreadgroup' && args.includes('BLOCK')) {
        sent.push(String(args[args.length - 2]));
        onBlock.splice(0).forEach((f) => f());
      }
      return call.apply(this, args);
    } as never);
    try {
      const readerId = readerIds++;
      const [a, b] = ['lanes-a', 'lanes-b'].map((topic) => {
        const reader = rafkaSource({ url: redis.url, topic, partitions: 1, blockMs: 1_000 }).createReader({ readerId, sendSplitRequest: () => undefined });
        open.push(reader);
        return { reader, topic };
      }) as [{ reader: RafkaSourceReader; topic: string }, { reader: RafkaSourceReader; topic: string }];
      for (const { reader, topic } of [a, b]) {
        await reader.start();
        reader.addSplits([new RafkaSplit({ topic, partition: 0, streamKey: `${topic}:0` })]);
        await reader.poll({ maxRecords: 10, deadline: Date.now() + 50 }); // caught up
      }
      const order: string[] = [];
      const blocked = (n: number) => new Promise<void>((done) => { const check = () => (sent.length >= n ? done() : onBlock.push(check)); check(); });
      sent.length = 0;
      const pollA = a.reader.poll({ maxRecords: 10 }).then((r) => (order.push('a'), r));
      await blocked(1);
      const pollB = b.reader.poll({ maxRecords: 10 }).then((r) => (order.push('b'), r));
      await blocked(2); // both BLOCKs are on their way to Redis

      const id = await redis.client.xadd('lanes-b:0', '*', 'n', '1');
      const [polledA, polledB] = await Promise.all([pollA, pollB]);

      // On one shared connection B's BLOCK waits behind A's, which runs its full second first.
      expect(order).toEqual(['b', 'a']);
      expect(polledB.batch?.records.map((r) => r.id)).toEqual([`lanes-b:0@${id}`]);
      expect(polledA.batch).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
  });
});
