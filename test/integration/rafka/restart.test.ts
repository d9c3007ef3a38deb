import { defineFlow } from '../../../lib/flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { redisStreamSink } from '../../../lib/sinks/redis';
import { rafkaSource } from '../../../lib/sources/rafka';
import { duplicates, produce, readAll, waitFor } from '../../helpers/redisTopic';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer({ persistent: true });
const logs: string[] = [];

describe('rafka, Redis restart', () => {
  it.each([300, 4_000])('delivers every entry exactly once across a Redis restart mid-run (down %d ms)', async (downMs) => {
    // Arrange: 4 partitions × 5k entries, read into the idempotent stream sink on the same server.
    const expected = new Set<string>();
    for (let p = 0; p < 4; p++) for (const id of await produce(redis.client, `rs${downMs}:${p}`, 5_000)) expected.add(`rs${downMs}:${p}@${id}`);
    const state = tempDir();
    let written = 0;
    logs.length = 0;
    const sink = redisStreamSink({ url: redis.url, stream: `rs${downMs}-out` });
    const counting = {
      type: 'counting',
      async open(ctx: { readerId: number }) {
        const writer = await sink.open(ctx);
        return {
          async write(batch: Parameters<typeof writer.write>[0]) {
            await writer.write(batch);
            written += batch.records.length;
            // Slow enough that the restart lands mid-run.
            await new Promise((resolve) => setTimeout(resolve, 5));
          },
          close: () => writer.close(),
        };
      },
    };

    // Act: restart Redis once a quarter is through.
    const run = runEmbedded(
      defineFlow({ name: `rs${downMs}`, source: rafkaSource({ url: redis.url, topic: `rs${downMs}`, partitions: 4, until: 'latest' }), sink: counting }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 2, limits: { maxRecords: 100 }, maxAttempts: 50, log: (l) => void logs.push(l) },
    );
    await waitFor(() => written >= 5_000, 30_000, 'a quarter of the records');
    await redis.restart({ downMs });
    const summary = await run;

    // Assert
    expect(summary).toMatchObject({ status: 'completed', splits: { finished: 4, failed: 0 } });
    const out = (await readAll(redis.client, `rs${downMs}-out`)).map((e) => e.fields.id!);
    expect(duplicates(out)).toEqual([]);
    expect(out).toHaveLength(20_000);
    expect(new Set(out)).toEqual(expected);
    for (let p = 0; p < 4; p++) expect((await redis.client.xpending(`rs${downMs}:${p}`, 'adf'))[0]).toBe(0);
    if (process.env.SHOW_LOGS) console.log(logs.join('\n'));
    state.cleanup();
  }, 90_000);
});
