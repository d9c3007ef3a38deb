import { redisStreamSink } from '../../../lib/sinks/redis';
import { readAll } from '../../helpers/redisTopic';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();

const records = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: `s@${from + i}`, value: { n: from + i, text: 'é"\n' } }));

describe('RedisStreamSink', () => {
  it('appends id and JSON data, and appends nothing twice when a batch is written again', async () => {
    const writer = await redisStreamSink({ url: redis.url, stream: 'sink-a' }).open({ readerId: 0 });
    await writer.write({ splitId: 's', records: records(0, 700), sinkState: undefined });
    await writer.write({ splitId: 's', records: records(300, 1_200), sinkState: undefined }); // a retried, larger batch
    await writer.close();

    const out = await readAll(redis.client, 'sink-a');
    expect(out.map((e) => e.fields.id)).toEqual(records(0, 1_200).map((r) => r.id));
    expect(JSON.parse(out[5]!.fields.data!)).toEqual({ n: 5, text: 'é"\n' });
    expect(await redis.client.ttl('sink-a:dedupe:s@5')).toBeGreaterThan(86_000);
  });

  it('trims with MAXLEN ~ n', async () => {
    const writer = await redisStreamSink({ url: redis.url, stream: 'sink-b', maxLen: 100, dedupeTtlSeconds: 60 }).open({ readerId: 0 });
    await writer.write({ splitId: 's', records: records(0, 2_000), sinkState: undefined });
    await writer.close();
    const length = await redis.client.xlen('sink-b');
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(1_000);
  });

  it('wraps a Redis failure as retryable', async () => {
    await redis.client.set('sink-c', 'not a stream');
    const writer = await redisStreamSink({ url: redis.url, stream: 'sink-c' }).open({ readerId: 0 });
    await expect(writer.write({ splitId: 's', records: records(0, 1), sinkState: undefined })).rejects.toMatchObject({ name: 'SplitFailedError', message: expect.stringContaining('WRONGTYPE') });
    await writer.close();
  });
});
