import fc from 'fast-check';
import { RafkaSplit, RafkaSplitEnumerator } from '../../../lib/sources/rafka';
import { RafkaPartitionAssigner } from '../../../lib/sources/rafka/RafkaPartitionAssigner';
import type { SplitEnumeratorContext } from '../../../lib/source-support';

const splits = (n: number) => Array.from({ length: n }, (_, p) => new RafkaSplit({ topic: 't', partition: p, streamKey: `t:${p}` }));

/** The Rafka enumerator over a fixed list of partitions, with a runtime of `readers` registered readers. */
async function enumerator(partitions: number, readers: number[]) {
  const events: string[] = [];
  const ctx: SplitEnumeratorContext<RafkaSplit> = {
    assignSplit: (s, r) => events.push(`${r}:${s.partition}`),
    signalNoMoreSplits: (r) => events.push(`${r}:end`),
    registerSplits: async (s) => s,
    currentParallelism: () => readers.length,
    registeredReaders: () => readers,
    reportError: (e) => events.push(`error:${e.message}`),
  };
  const discoverer = {
    async *discover() {
      yield { splits: splits(partitions), cursor: { done: true } };
    },
    withCurrentBounds: async (s: RafkaSplit[]) => s,
  };
  const e = new RafkaSplitEnumerator(ctx, discoverer as never, { bounded: true, discoveryIntervalMs: 0 });
  await e.start();
  await e.awaitDiscovery();
  return { e, events };
}

describe('RafkaPartitionAssigner', () => {
  it('spreads partitions over the readers even when one reader asks for all of them first', async () => {
    // A Rafka reader keeps a split request outstanding: the first reader thread to start used to get every partition.
    const { e, events } = await enumerator(4, [0, 1]);
    for (let i = 0; i < 3; i++) await e.handleSplitRequest(0);
    for (let i = 0; i < 3; i++) await e.handleSplitRequest(1);
    expect(events).toEqual(['0:0', '0:2', '0:end', '1:1', '1:3', '1:end']);
  });

  it('hands a partition whose owner was told "no more splits" to a reader that still asks (nothing is stranded)', async () => {
    const { e, events } = await enumerator(4, [0, 1]);
    for (const r of [0, 1, 0, 1, 1]) await e.handleSplitRequest(r);
    expect(events).toEqual(['0:0', '1:1', '0:2', '1:3', '1:end']);
    // Reader 1 failed on partition 3 after it was told there is nothing more; it will not ask again.
    e.addSplitsBack(splits(4).slice(3), 1);
    await new Promise((resolve) => setImmediate(resolve)); // the enumerator rebinds returned splits first
    await e.handleSplitRequest(0);
    expect(events.slice(5)).toEqual(['0:3']);
  });

  it('gives a reader that asks again after "no more splits" its own partitions again', async () => {
    const { e, events } = await enumerator(2, [0, 1]);
    for (const r of [0, 1, 1]) await e.handleSplitRequest(r);
    e.addSplitsBack(splits(2).slice(1), 1);
    await new Promise((resolve) => setImmediate(resolve));
    await e.handleSplitRequest(1); // a restarted reader asks anew
    expect(events).toEqual(['0:0', '1:1', '1:end', '1:1']);
  });

  it('is first come, first served without registered readers, or for a reader outside them', () => {
    const a = new RafkaPartitionAssigner();
    a.add(splits(3));
    expect(a.next(5)?.partition).toBe(0);
    expect(a.next(7, [0, 1])?.partition).toBe(1);
    expect(a.remaining().map((s) => s.partition)).toEqual([2]);
  });

  it('hands out every partition exactly once, each to its owner while the owner asks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 200 }), (n, readers, asks) => {
        const a = new RafkaPartitionAssigner();
        a.add(splits(n));
        const owners = [...readers].sort((x, y) => x - y);
        const got: number[] = [];
        // Readers ask in a random order, then each asks until it gets nothing.
        for (const r of [...asks.map((i) => readers[i % readers.length]!), ...readers.flatMap((r) => Array(n).fill(r) as number[])]) {
          const s = a.next(r, readers);
          if (!s) continue;
          expect(owners[s.partition % owners.length]).toBe(r);
          got.push(s.partition);
        }
        expect(got.sort((x, y) => x - y)).toEqual(splits(n).map((s) => s.partition));
        expect(a.remaining()).toEqual([]);
      }),
    );
  });
});
