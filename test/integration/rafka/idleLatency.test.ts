import { defineFlow } from '../../../lib/flow/Flow';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import type { ReaderOutcome } from '../../../lib/runtime/serverless/ReaderInvocation';
import { functionSink } from '../../../lib/sinks';
import { rafkaSource } from '../../../lib/sources/rafka';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import { useRedisServer } from '../../helpers/useRedisServer';

/**
 * Issue 11 item 2: an entry that arrives after a quiet spell waits at most maxIdleDelay (plus
 * one invocation) on the serverless runtime, however long the split has been idle. With the old
 * backoff (1, 2, 4 … s up to 300 s) an entry produced after five idle rounds waited 16 s.
 * Real redis-server, dynalite and fauxqs; the reader invocations run as the harness drives them
 * (receive → processSplitMessage → delete), so SQS's delays are the real ones.
 */
const redis = useRedisServer();

describe('rafka on the serverless runtime: an entry after a quiet spell', () => {
  const aws = useAwsTestEnv({ dynamodb: 'dynalite' });

  it('is delivered within maxIdleDelay (2 s) + a margin when produced just after the 5th idle hand-on', async () => {
    // Arrange: one empty partition, a sink that notes when each record is written.
    const topic = 'idle-latency';
    const maxIdleDelaySeconds = 2;
    const marginMs = 3_000;
    const written = new Map<string, number>();
    const sink = functionSink(async (records) => {
      for (const r of records) written.set(r.id, Date.now());
    });
    const source = rafkaSource({ url: redis.url, topic, partitions: 1, group: topic, blockMs: 100 });
    const h = await serverlessHarness(aws(), defineFlow({ name: topic, source, sink }), { maxIdleDelaySeconds, idleWaitMs: 200 });
    const delays: number[] = [];
    const enqueue = h.deps.queue.enqueue.bind(h.deps.queue);
    (h.deps.queue as { enqueue: typeof enqueue }).enqueue = async (messages, delay = 0) => {
      delays.push(delay);
      return enqueue(messages, delay);
    };
    expect(await runEnumerator(h.deps)).toMatchObject({ created: 1 });

    // Act: let the split go idle five times, then produce one entry right after a hand-on
    // (the worst moment: it waits out the whole delay of the continuation just sent).
    let idle = 0;
    let produced: { id: string; at: number } | undefined;
    const outcomes: ReaderOutcome[] = [];
    await h.drain({
      timeoutMs: 90_000,
      until: () => produced !== undefined && written.has(produced.id),
      onMessage: async (_message, outcome) => {
        outcomes.push(outcome);
        if (outcome === 'idle') idle++;
        if (idle >= 5 && produced === undefined) {
          const id = (await redis.client.xadd(`${topic}:0`, '*', 'n', '1'))!;
          produced = { id: `${topic}:0@${id}`, at: Date.now() };
        }
      },
    });

    // Assert
    expect(produced).toBeDefined();
    expect(written.has(produced!.id)).toBe(true);
    expect(written.get(produced!.id)! - produced!.at).toBeLessThanOrEqual(maxIdleDelaySeconds * 1000 + marginMs);
    expect(Math.max(...delays)).toBeLessThanOrEqual(maxIdleDelaySeconds);
    expect(outcomes.filter((o) => o === 'idle').length).toBeGreaterThanOrEqual(5);
  }, 120_000);
});
