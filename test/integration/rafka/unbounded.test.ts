import { defineFlow } from '../../../lib/flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { functionSink } from '../../../lib/sinks';
import { rafkaSource } from '../../../lib/sources/rafka';
import { duplicates, produce, waitFor } from '../../helpers/redisTopic';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();
const log = () => undefined;

describe('rafka, unbounded', () => {
  it('misses nothing while producers keep appending, and delivers each entry once', async () => {
    // Arrange: 4 partitions with a backlog, and producers appending during the run.
    const expected = new Set<string>();
    for (let p = 0; p < 4; p++) for (const id of await produce(redis.client, `live:${p}`, 2_000)) expected.add(`live:${p}@${id}`);
    const seen: string[] = [];
    const controller = new AbortController();
    const state = tempDir();
    const run = runEmbedded(
      defineFlow({
        name: 'live',
        source: rafkaSource({ url: redis.url, topic: 'live', partitions: 4, blockMs: 200 }),
        sink: functionSink((records) => void seen.push(...records.map((r) => r.id))),
      }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 2, signal: controller.signal, limits: { maxRecords: 500 }, log },
    );

    // Act: 20 rounds of appends to every partition, a few ms apart.
    for (let round = 0; round < 20; round++) {
      for (let p = 0; p < 4; p++) for (const id of await produce(redis.client, `live:${p}`, 50, 10_000 + round * 50)) expected.add(`live:${p}@${id}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor(() => seen.length >= expected.size, 30_000, `${expected.size} records`);
    controller.abort();
    const summary = await run;

    // Assert
    expect(summary.status).toBe('interrupted');
    expect(duplicates(seen)).toEqual([]);
    expect(new Set(seen)).toEqual(expected);
    for (let p = 0; p < 4; p++) expect((await redis.client.xpending(`live:${p}`, 'adf'))[0]).toBe(0);

    // A second run with the same state continues where the first stopped: only new entries.
    const more = await produce(redis.client, 'live:2', 10, 99_000);
    const again: string[] = [];
    const stop = new AbortController();
    const rerun = runEmbedded(
      defineFlow({ name: 'live', source: rafkaSource({ url: redis.url, topic: 'live', partitions: 4, blockMs: 100 }), sink: functionSink((records) => void again.push(...records.map((r) => r.id))) }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 2, signal: stop.signal, log },
    );
    await waitFor(() => again.length >= 10, 10_000, '10 records');
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop.abort();
    await rerun;
    expect(again).toEqual(more.map((id) => `live:2@${id}`));
    state.cleanup();
  });

  it('picks up a partition created mid-run through rediscovery', async () => {
    await produce(redis.client, 'grow:0', 100);
    const seen: string[] = [];
    const controller = new AbortController();
    const state = tempDir();
    const run = runEmbedded(
      defineFlow({
        name: 'grow',
        source: rafkaSource({ url: redis.url, topic: 'grow', discoveryIntervalMs: 200, blockMs: 100 }),
        sink: functionSink((records) => void seen.push(...records.map((r) => r.id))),
      }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 2, signal: controller.signal, log },
    );
    await waitFor(() => seen.length >= 100, 10_000, 'partition 0');

    const added = await produce(redis.client, 'grow:1', 30);
    await waitFor(() => seen.length >= 130, 10_000, 'the new partition');
    controller.abort();
    const summary = await run;

    expect(summary.splits.total).toBe(2);
    expect(seen.filter((id) => id.startsWith('grow:1@'))).toEqual(added.map((id) => `grow:1@${id}`));
    expect(duplicates(seen)).toEqual([]);
    state.cleanup();
  });
});
