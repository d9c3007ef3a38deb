import { defineFlow } from '../../../lib/flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { functionSink } from '../../../lib/sinks';
import type { Sink } from '../../../lib/sinks';
import { rafkaSource } from '../../../lib/sources/rafka';
import type { SourceRecord } from '../../../lib/source-support';
import { duplicates, produce } from '../../helpers/redisTopic';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();

function collector() {
  const seen: SourceRecord<Record<string, string>>[] = [];
  return { seen, sink: functionSink<Record<string, string>>((records) => void seen.push(...records)) };
}

describe('rafka, bounded (until latest)', () => {
  it('reads 8 partitions × 10k entries exactly once, and the run completes', async () => {
    // Arrange
    const expected = new Set<string>();
    for (let p = 0; p < 8; p++) for (const id of await produce(redis.client, `big:${p}`, 10_000)) expected.add(`big:${p}@${id}`);
    const { seen, sink } = collector();
    const state = tempDir();

    // Act
    const summary = await runEmbedded(
      defineFlow({ name: 'big', source: rafkaSource({ url: redis.url, topic: 'big', partitions: 8, until: 'latest' }), sink }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 3, limits: { maxRecords: 2_000 } },
    );

    // Assert
    expect(summary).toMatchObject({ status: 'completed', records: 80_000, badRecords: 0, splits: { total: 8, finished: 8, failed: 0, pending: 0 } });
    expect(seen).toHaveLength(80_000);
    expect(duplicates(seen.map((r) => r.id))).toEqual([]);
    expect(new Set(seen.map((r) => r.id))).toEqual(expected);
    // Values are the entry's fields; per partition, records come in entry order.
    const p3 = seen.filter((r) => r.id.startsWith('big:3@')).map((r) => Number(r.value.n));
    expect(p3).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    // Everything is acknowledged and the consumers left the group.
    for (let p = 0; p < 8; p++) {
      expect((await redis.client.xpending(`big:${p}`, 'adf'))[0]).toBe(0);
      expect(await redis.client.xinfo('CONSUMERS', `big:${p}`, 'adf')).toEqual([]);
    }
    state.cleanup();
  });

  it('spreads the partitions evenly over the readers', async () => {
    for (let p = 0; p < 4; p++) await produce(redis.client, `spread:${p}`, 3_000);
    const readersOf = new Map<string, Set<number>>();
    // Reader 1 starts late, as a worker thread may: reader 0 asks for every split before it does.
    const sink: Sink = {
      type: 'late-second-reader',
      async open({ readerId }) {
        if (readerId === 1) await new Promise((resolve) => setTimeout(resolve, 500));
        return { write: async ({ splitId }) => void readersOf.set(splitId, (readersOf.get(splitId) ?? new Set()).add(readerId)), close: async () => undefined };
      },
    };
    const state = tempDir();

    const summary = await runEmbedded(
      defineFlow({ name: 'spread', source: rafkaSource({ url: redis.url, topic: 'spread', partitions: 4, until: 'latest' }), sink }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 2, limits: { maxRecords: 500 } },
    );

    expect(summary).toMatchObject({ status: 'completed', records: 12_000 });
    // Partition p is reader (p mod 2)'s: the first reader to ask used to get all four.
    expect(Object.fromEntries([...readersOf].map(([split, readers]) => [split, [...readers]]))).toEqual({ 'spread:0': [0], 'spread:1': [1], 'spread:2': [0], 'spread:3': [1] });
    state.cleanup();
  });

  it('finishes an empty or missing partition at once, and ignores entries added after discovery', async () => {
    await produce(redis.client, 'late:0', 5);
    await redis.client.xgroup('CREATE', 'late:1', 'x', '$', 'MKSTREAM'); // exists, empty
    const { seen, sink } = collector();
    const state = tempDir();
    let added = false;
    const summary = await runEmbedded(
      defineFlow({
        name: 'late',
        source: rafkaSource({ url: redis.url, topic: 'late', partitions: 3, until: 'latest' }),
        sink: functionSink(async (records) => {
          if (!added) {
            added = true;
            await produce(redis.client, 'late:0', 3, 100);
          }
          seen.push(...(records as SourceRecord<Record<string, string>>[]));
        }),
      }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 2, limits: { maxRecords: 2 } },
    );
    expect(summary).toMatchObject({ status: 'completed', records: 5, splits: { total: 3, finished: 3 } });
    expect(seen.map((r) => r.value.n)).toEqual(['0', '1', '2', '3', '4']);
    void sink;
    state.cleanup();
  });

  it('replays up to explicit stop ids, ends with no more splits, and leaves later entries for later readers', async () => {
    const ids0 = await produce(redis.client, 'replay:0', 50);
    const ids1 = await produce(redis.client, 'replay:1', 50);
    const first = collector();
    const state = tempDir();
    const summary = await runEmbedded(
      defineFlow({ name: 'replay', source: rafkaSource({ url: redis.url, topic: 'replay', partitions: 2, until: { 0: ids0[19]!, 1: ids1[29]! } }), sink: first.sink }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 2, limits: { maxRecords: 7 } },
    );
    expect(summary).toMatchObject({ status: 'completed', records: 50, splits: { finished: 2 } });
    expect(new Set(first.seen.map((r) => r.id))).toEqual(new Set([...ids0.slice(0, 20).map((id) => `replay:0@${id}`), ...ids1.slice(0, 30).map((id) => `replay:1@${id}`)]));

    // Entries the readers read past their stop ids stay pending, with no delivery counted.
    const pastStop = [...(await redis.client.xpending('replay:0', 'adf', '-', '+', 100)), ...(await redis.client.xpending('replay:1', 'adf', '-', '+', 100))] as [string, string, number, number][];
    expect(pastStop.length).toBeGreaterThan(0);
    expect(pastStop.every(([id, , , deliveries]) => deliveries === 0 && (ids0.indexOf(id) > 19 || ids1.indexOf(id) > 29))).toBe(true);

    // The same group, unbounded, picks up exactly the rest.
    const rest = collector();
    const controller = new AbortController();
    const run = runEmbedded(
      defineFlow({ name: 'replay', source: rafkaSource({ url: redis.url, topic: 'replay', partitions: 2 }), sink: functionSink<Record<string, string>>((records) => {
        rest.seen.push(...records);
        if (rest.seen.length >= 50) controller.abort();
      }) }),
      { inProcess: true, stateDir: tempDir().dir, progress: false, parallelism: 1, signal: controller.signal, limits: { maxRecords: 1000 } },
    );
    await run;
    expect(rest.seen).toHaveLength(50);
    expect(new Set(rest.seen.map((r) => r.id))).toEqual(new Set([...ids0.slice(20).map((id) => `replay:0@${id}`), ...ids1.slice(30).map((id) => `replay:1@${id}`)]));
    state.cleanup();
  });

  it('discovers partitions by SCAN over a key pattern when no count is given', async () => {
    const ids: string[] = [];
    for (const p of [0, 1, 5]) for (const id of await produce(redis.client, `scan/topic.x/${p}`, 10)) ids.push(`scan/topic.x/${p}@${id}`);
    await produce(redis.client, 'scan/topic.x/5:dead-letter', 1); // not a partition
    await redis.client.set('scan/topic.x/7', 'not a stream');
    await produce(redis.client, 'scan/topic.x/007', 1); // not partition 7's key
    const { seen, sink } = collector();
    const state = tempDir();
    const summary = await runEmbedded(
      defineFlow({ name: 'scan', source: rafkaSource({ url: redis.url, topic: 'topic.x', keyPattern: 'scan/{topic}/{partition}', until: 'latest' }), sink }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 2 },
    );
    expect(summary).toMatchObject({ status: 'completed', records: 30, splits: { total: 3, finished: 3 } });
    expect(new Set(seen.map((r) => r.id))).toEqual(new Set(ids));
    state.cleanup();
  });
});
