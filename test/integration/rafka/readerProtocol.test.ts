import { RetryableError } from '../../../lib/errors';
import { InputStatus } from '../../../lib/source-support';
import type { RecordBatch } from '../../../lib/source-support';
import { RafkaSplit, rafkaSource } from '../../../lib/sources/rafka';
import type { RafkaSourceOptions, RafkaSourceReader } from '../../../lib/sources/rafka';
import { RafkaConsumerGroup } from '../../../lib/sources/rafka/RafkaConsumerGroup';
import { produce, waitFor } from '../../helpers/redisTopic';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();
const open: RafkaSourceReader[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

async function readerFor(split: RafkaSplit, readerId: number, options: Partial<RafkaSourceOptions> = {}, readAhead = false) {
  const reader = rafkaSource({ url: redis.url, topic: split.topic, partitions: 1, blockMs: 0, ...options }).createReader({ readerId, sendSplitRequest: () => undefined, readAhead });
  open.push(reader);
  await reader.start();
  reader.addSplits([split]);
  return reader;
}

async function batchOf(reader: RafkaSourceReader, maxRecords: number): Promise<RecordBatch<unknown, RafkaSplit>> {
  const { status, batch } = await reader.poll({ maxRecords });
  expect(status).toBe(InputStatus.MORE_AVAILABLE);
  return batch!;
}

const entryIds = (batch: RecordBatch<unknown, RafkaSplit>) => batch.records.map((r) => r.id.split('@')[1]);
const pending = async (key: string) => (await redis.client.xpending(key, 'adf', '-', '+', 1000)) as [string, string, number, number][];

describe('RafkaSourceReader protocol', () => {
  it('skips and acknowledges entries committed before a crash that came before XACK', async () => {
    const ids = await produce(redis.client, 'p1:0', 30);
    const split = new RafkaSplit({ topic: 'p1', partition: 0, streamKey: 'p1:0' });
    const first = await readerFor(split, 0);
    const b1 = await batchOf(first, 10);
    expect(entryIds(b1)).toEqual(ids.slice(0, 10));
    expect(b1.split.position.lastId).toBe(ids[9]);
    // Committed (b1.split is the checkpoint), then the process died before notifyBatchCommitted.
    await first.close();

    const second = await readerFor(b1.split, 1);
    const b2 = await batchOf(second, 10);

    expect(entryIds(b2)).toEqual(ids.slice(10, 20));
    expect((await pending('p1:0')).map(([id]) => id)).toEqual(ids.slice(10, 20));
    await second.notifyBatchCommitted(b2);
    expect(await pending('p1:0')).toEqual([]);
    // The first holder's consumer was removed once nothing was pending for it.
    const consumers = (await redis.client.xinfo('CONSUMERS', 'p1:0', 'adf')) as string[][];
    expect(consumers.map((c) => c[1])).toEqual([`adf-1-${process.pid}`]);
  });

  it('hands an uncommitted batch to the next holder, counting deliveries, then isolates a twice-failed entry', async () => {
    const ids = await produce(redis.client, 'p2:0', 20);
    const split = new RafkaSplit({ topic: 'p2', partition: 0, streamKey: 'p2:0' });
    const holders = [await readerFor(split, 0)];
    expect(entryIds(await batchOf(holders[0]!, 5))).toEqual(ids.slice(0, 5));
    expect((await pending('p2:0')).map(([, , , n]) => n)).toEqual([1, 1, 1, 1, 1]);

    // Not committed: the next holder takes the pending entries over and emits them again, as one batch.
    holders.push(await readerFor(split, 1));
    expect(entryIds(await batchOf(holders[1]!, 10))).toEqual(ids.slice(0, 5));
    expect((await pending('p2:0')).map(([, c, , n]) => [c, n])).toEqual(Array(5).fill([`adf-1-${process.pid}`, 2]));

    // Failed twice: now one entry per batch, and only the emitted one is counted again.
    holders.push(await readerFor(split, 2));
    const alone = await batchOf(holders[2]!, 10);
    expect(entryIds(alone)).toEqual([ids[0]]);
    expect((await pending('p2:0')).map(([, , , n]) => n)).toEqual([3, 2, 2, 2, 2]);
    await holders[2]!.notifyBatchCommitted(alone);
    expect(entryIds(await batchOf(holders[2]!, 10))).toEqual([ids[1]]);
  });

  it('never blocks past the deadline, and says NOTHING_AVAILABLE on a quiet stream', async () => {
    const split = new RafkaSplit({ topic: 'p3', partition: 0, streamKey: 'p3:0' });
    const reader = await readerFor(split, 0, { blockMs: 1_000 });
    const started = Date.now();
    const result = await reader.poll({ deadline: Date.now() + 150 });
    expect(result.status).toBe(InputStatus.NOTHING_AVAILABLE);
    expect(Date.now() - started).toBeLessThan(600);

    // A blocking poll returns as soon as an entry arrives.
    const waiting = reader.poll({});
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [id] = await produce(redis.client, 'p3:0', 1);
    const { batch } = await waiting;
    expect(entryIds(batch!)).toEqual([id]);
  });

  it('decodes valueField as JSON, and reports an entry that does not decode as a bad record', async () => {
    await redis.client.xadd('p4:0', '*', 'id', 'a', 'data', '{"sku":"A1","qty":2}');
    const bad = await redis.client.xadd('p4:0', '*', 'id', 'b', 'data', '{not json');
    const split = new RafkaSplit({ topic: 'p4', partition: 0, streamKey: 'p4:0' });
    const reader = await readerFor(split, 0, { valueField: 'data' });
    const batch = await batchOf(reader, 10);
    expect(batch.records.map((r) => r.value)).toEqual([{ sku: 'A1', qty: 2 }]);
    expect(batch.badRecords).toEqual([expect.objectContaining({ id: `p4:0@${bad}`, splitId: 'p4:0', reason: expect.stringContaining('field "data" is not valid JSON'), raw: { id: 'b', data: '{not json' } })]);
    expect(batch.split.position.lastId).toBe(bad);
  });

  it('starts a new group at latest when asked, and at the committed position when there is one', async () => {
    const old = await produce(redis.client, 'p5:0', 3);
    const reader = await readerFor(new RafkaSplit({ topic: 'p5', partition: 0, streamKey: 'p5:0' }), 0, { start: 'latest', group: 'g-latest' });
    expect((await reader.poll({})).status).toBe(InputStatus.NOTHING_AVAILABLE);
    const fresh = await produce(redis.client, 'p5:0', 2);
    expect(entryIds(await batchOf(reader, 10))).toEqual(fresh);

    const resumed = await readerFor(new RafkaSplit({ topic: 'p5', partition: 0, streamKey: 'p5:0', position: { lastId: old[1]! } }), 1, { group: 'g-resume' });
    expect(entryIds(await batchOf(resumed, 10))).toEqual([old[2], ...fresh]);
  });

  it('a late close of an earlier holder leaves the entries the next holder took over with it, counters intact', async () => {
    const ids = await produce(redis.client, 'p6:0', 10);
    const split = new RafkaSplit({ topic: 'p6', partition: 0, streamKey: 'p6:0' });
    const earlier = await readerFor(split, 0);
    // Reads 10, emits 1 (maxBytes), keeps 9 read but not emitted; nothing committed.
    expect(entryIds((await earlier.poll({ maxRecords: 10, maxBytes: 1 })).batch!)).toEqual([ids[0]]);
    const next = await readerFor(split, 1);
    expect(entryIds(await batchOf(next, 10))).toEqual(ids);

    await earlier.close(); // after the takeover: a fenced holder, or a cleanup that ran past its time

    expect((await pending('p6:0')).map(([id, consumer, , n]) => [id, consumer, n])).toEqual(ids.map((id) => [id, `adf-1-${process.pid}`, 2]));
  });

  describe('with read-ahead (the embedded runtime)', () => {
    it('reads the next batch while this one is committed, and emits every entry once, in order', async () => {
      const ids = await produce(redis.client, 'ra1:0', 23);
      const reader = await readerFor(new RafkaSplit({ topic: 'ra1', partition: 0, streamKey: 'ra1:0', stopId: ids[22] }), 0, {}, true);
      const emitted: string[] = [];
      for (;;) {
        const { batch } = await reader.poll({ maxRecords: 5 });
        if (!batch) continue;
        emitted.push(...entryIds(batch).map(String));
        // This batch and the next, read ahead.
        if (!batch.finished) await waitFor(async () => (await pending('ra1:0')).length === 5 + Math.min(5, ids.length - emitted.length), 5_000, 'the read-ahead');
        await reader.notifyBatchCommitted(batch);
        if (batch.finished) break;
      }
      expect(emitted).toEqual(ids);
      expect(await pending('ra1:0')).toEqual([]);
    });

    it('a close puts a read-ahead back: its entries are pending with no delivery counted, and the next holder emits them once', async () => {
      const ids = await produce(redis.client, 'ra2:0', 20);
      const split = new RafkaSplit({ topic: 'ra2', partition: 0, streamKey: 'ra2:0' });
      const first = await readerFor(split, 0, {}, true);
      expect(entryIds(await batchOf(first, 5))).toEqual(ids.slice(0, 5));
      await first.close(); // not committed: the sink failed, say

      // Emitted once without a commit: 1; read ahead, never emitted: 0.
      expect((await pending('ra2:0')).map(([, , , n]) => n)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
      const next = await readerFor(split, 1);
      expect(entryIds(await batchOf(next, 20))).toEqual(ids.slice(0, 10));
      expect((await pending('ra2:0')).map(([, , , n]) => n)).toEqual([2, 2, 2, 2, 2, 1, 1, 1, 1, 1]);
    });

    it('fails the poll that takes a read-ahead whose connection dropped before its reply (a resent read may have delivered entries unseen)', async () => {
      await produce(redis.client, 'ra3:0', 20);
      const reader = await readerFor(new RafkaSplit({ topic: 'ra3', partition: 0, streamKey: 'ra3:0' }), 0, {}, true);
      const readNew = RafkaConsumerGroup.prototype.readNew;
      let reads = 0;
      const spy = jest.spyOn(RafkaConsumerGroup.prototype, 'readNew').mockImplementation(async function (this: RafkaConsumerGroup, ...args) {
        if (++reads === 2) {
          // The read-ahead: its connection drops first (ioredis reconnects and sends it again).
          const clients = String(await redis.client.client('LIST'));
          for (const line of clients.split('\n').filter((l) => l.includes('name=adf-default'))) await redis.client.client('KILL', 'ID', line.match(/id=(\d+)/)![1]!);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        return readNew.apply(this, args);
      });
      try {
        const batch = await batchOf(reader, 5);
        await reader.notifyBatchCommitted(batch).catch(() => undefined);
        // The drop, the reconnect and the reply all come before the next poll, which sees no drop itself.
        await waitFor(() => reads === 2, 5_000, 'the read-ahead');
        await new Promise((resolve) => setTimeout(resolve, 500));
        await expect(reader.poll({ maxRecords: 5 })).rejects.toBeInstanceOf(RetryableError);
      } finally {
        spy.mockRestore();
      }
    });
  });
});

