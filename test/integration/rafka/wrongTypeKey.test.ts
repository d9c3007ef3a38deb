import { defineFlow } from '../../../lib/flow';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { functionSink } from '../../../lib/sinks';
import { rafkaSource } from '../../../lib/sources/rafka';
import { produce } from '../../helpers/redisTopic';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();

describe('rafka, one partition key that is not a stream', () => {
  it('reads every other partition, and the bad one is reported by its key instead of aborting the run', async () => {
    // Arrange: partitions 0 and 2 are streams, partition 1 a plain string.
    await produce(redis.client, 'mixed:0', 50);
    await produce(redis.client, 'mixed:2', 70);
    await redis.client.set('mixed:1', 'not a stream');
    const seen: string[] = [];
    const state = tempDir();

    // Act
    const summary = await runEmbedded(
      defineFlow({ name: 'mixed', source: rafkaSource({ url: redis.url, topic: 'mixed', partitions: 3, until: 'latest' }), sink: functionSink((records) => void seen.push(...records.map((r) => r.id))) }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 1, maxAttempts: 1, log: () => undefined },
    );

    // Assert
    expect(seen).toHaveLength(120);
    expect(summary.status).not.toBe('completed');
    expect(summary.splits).toMatchObject({ total: 3, finished: 2 });
    state.cleanup();
  });
});
