import { InputStatus } from '../../../lib/source-support';
import type { RecordBatch } from '../../../lib/source-support';
import { RafkaSplit, rafkaSource } from '../../../lib/sources/rafka';
import type { RafkaSourceOptions, RafkaSourceReader } from '../../../lib/sources/rafka';
import { produce } from '../../helpers/redisTopic';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();
const open: RafkaSourceReader[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

async function readerFor(split: RafkaSplit, readerId: number, options: Partial<RafkaSourceOptions> = {}) {
  const reader = rafkaSource({ url: redis.url, topic: split.topic, partitions: 1, blockMs: 0, ...options }).createReader({ readerId, sendSplitRequest: () => undefined });
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
});
