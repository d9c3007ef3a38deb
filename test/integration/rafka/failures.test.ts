import { defineFlow } from '../../../lib/flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { functionSink } from '../../../lib/sinks';
import type { Sink } from '../../../lib/sinks';
import { redisStreamSink } from '../../../lib/sinks/redis';
import { rafkaSource } from '../../../lib/sources/rafka';
import { duplicates, produce, readAll } from '../../helpers/redisTopic';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();
const logs: string[] = [];
const log = (line: string) => void logs.push(line);

/** The Redis stream sink, except that the n-th batch is written only in part and then the writer throws. */
function crashingSink(stream: string, crashOnBatch: number, part: 'half' | 'all'): Sink {
  const inner = redisStreamSink({ url: redis.url, stream });
  let batches = 0;
  return {
    type: 'crashing',
    async open(ctx) {
      const writer = await inner.open(ctx);
      return {
        async write(batch) {
          if (++batches !== crashOnBatch) return writer.write(batch);
          const written = part === 'half' ? batch.records.slice(0, Math.ceil(batch.records.length / 2)) : batch.records;
          await writer.write({ ...batch, records: written });
          throw new Error(`simulated crash after writing ${written.length} of ${batch.records.length} records`);
        },
        close: () => writer.close(),
      };
    },
  };
}

describe('rafka, failures', () => {
  it.each(['half', 'all'] as const)('loses and duplicates nothing when a reader dies after writing %s of a batch', async (part) => {
    // Arrange
    const expected = new Set<string>();
    for (let p = 0; p < 3; p++) for (const id of await produce(redis.client, `crash-${part}:${p}`, 1_000)) expected.add(`crash-${part}:${p}@${id}`);
    const state = tempDir();

    // Act
    const summary = await runEmbedded(
      defineFlow({ name: `crash-${part}`, source: rafkaSource({ url: redis.url, topic: `crash-${part}`, partitions: 3, until: 'latest' }), sink: crashingSink(`out-${part}`, 3, part) }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 2, limits: { maxRecords: 100 }, log },
    );

    // Assert: the run recovered, and the output stream holds every record once.
    expect(summary).toMatchObject({ status: 'completed', splits: { finished: 3, failed: 0 } });
    expect(logs.some((l) => l.includes('simulated crash'))).toBe(true);
    const out = (await readAll(redis.client, `out-${part}`)).map((e) => e.fields.id!);
    expect(duplicates(out)).toEqual([]);
    expect(new Set(out)).toEqual(expected);
    state.cleanup();
  });

  it('moves a poison entry to the dead-letter stream after maxDeliveries and delivers the rest once', async () => {
    // Arrange: the sink fails every batch that holds entry n=137.
    const ids = await produce(redis.client, 'poison:0', 300);
    const poisonId = `poison:0@${ids[137]}`;
    const delivered: string[] = [];
    let attemptsOnPoison = 0;
    const state = tempDir();

    // Act (each failed attempt is one delivery: the runtime must allow more attempts than maxDeliveries)
    const summary = await runEmbedded(
      defineFlow({
        name: 'poison',
        source: rafkaSource({ url: redis.url, topic: 'poison', partitions: 1, until: 'latest', maxDeliveries: 3 }),
        sink: functionSink((records) => {
          if (records.some((r) => r.id === poisonId)) {
            attemptsOnPoison++;
            throw new Error('cannot store record 137');
          }
          delivered.push(...records.map((r) => r.id));
        }),
      }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 1, limits: { maxRecords: 50 }, maxAttempts: 10, log },
    );

    // Assert
    expect(summary).toMatchObject({ status: 'completed', records: 299, badRecords: 1, splits: { finished: 1, failed: 0 } });
    expect(attemptsOnPoison).toBe(3);
    expect(duplicates(delivered)).toEqual([]);
    expect(new Set(delivered)).toEqual(new Set(ids.filter((_, i) => i !== 137).map((id) => `poison:0@${id}`)));
    const dead = await readAll(redis.client, 'poison:0:dead-letter');
    expect(dead).toHaveLength(1);
    expect(dead[0]!.fields).toEqual({ 'adf:original-id': ids[137], 'adf:stream': 'poison:0', 'adf:reason': 'delivered 3 times without a commit', 'adf:deliveries': '3', n: '137' });
    expect((await redis.client.xpending('poison:0', 'adf'))[0]).toBe(0);
    state.cleanup();
  });
});
