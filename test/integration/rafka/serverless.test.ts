import { SplitStatus } from '../../../lib/coordination/SplitStore';
import type { SplitMessage } from '../../../lib/coordination/SplitQueue';
import { defineFlow } from '../../../lib/flow/Flow';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { runFailureHandler } from '../../../lib/runtime/serverless/FailureHandlerRun';
import { processSplitMessage } from '../../../lib/runtime/serverless/ReaderInvocation';
import type { ReaderOutcome } from '../../../lib/runtime/serverless/ReaderInvocation';
import type { ServerlessConfig } from '../../../lib/runtime/serverless/ServerlessConfig';
import { functionSink } from '../../../lib/sinks';
import type { SourceRecord } from '../../../lib/source-support/SourceRecord';
import { rafkaSource, RafkaSourceReader } from '../../../lib/sources/rafka';
import type { RafkaSource, RafkaSourceOptions } from '../../../lib/sources/rafka';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import type { AwsTestEnv } from '../../helpers/awsEnv';
import { readJsonlDir } from '../../helpers/adfCli';
import { produce, waitFor } from '../../helpers/redisTopic';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import type { ServerlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';

/**
 * The rafka flow (rafkaSource + a sink) on the serverless runtime: enumerator → SQS → one
 * reader invocation per message (claim → one batch → write → fenced commit → continuation)
 * against a real redis-server, DynamoDB Local and fauxqs (or LocalStack, see awsEnv).
 *
 * Every invocation builds a new RafkaSourceReader. By default its consumer is `adf-0-<pid>`
 * (one name per container); some tests give every invocation a consumer of its own, the
 * harshest case for consumers piling up in the group and the one where a dead invocation's
 * pending entries visibly move to another consumer. The sinks record writes per record id, so
 * a test tells "every entry once" from "every entry, some written twice".
 */
const redis = useRedisServer();

/** A sink keyed by record id (an upsert): repeats are harmless, and counted to prove where there were some. */
function recordingSink(intercept?: (batch: number, records: SourceRecord<unknown>[], write: (records: SourceRecord<unknown>[]) => void) => Promise<void>) {
  const writes = new Map<string, number>();
  const order: string[] = [];
  let batches = 0;
  const write = (records: SourceRecord<unknown>[]) => {
    for (const r of records) {
      writes.set(r.id, (writes.get(r.id) ?? 0) + 1);
      order.push(r.id);
    }
  };
  const sink = functionSink(async (records) => {
    const n = ++batches;
    if (intercept) await intercept(n, records, write);
    else write(records);
  });
  return { sink, writes, order, repeated: () => [...writes].filter(([, n]) => n > 1).map(([id]) => id) };
}

/** Gives every reader (one per invocation) a consumer name of its own; returns the names handed out. */
function consumerPerInvocation(source: RafkaSource): string[] {
  const names: string[] = [];
  source.createReader = (ctx) => {
    const consumer = `lambda-${names.length + 1}`;
    names.push(consumer);
    return new RafkaSourceReader({ ...source.config, consumer }, ctx);
  };
  return names;
}

async function harness(name: string, options: RafkaSourceOptions, sink: ReturnType<typeof recordingSink>['sink'], aws: AwsTestEnv, config: Partial<ServerlessConfig> = {}, deadLetterDir?: string) {
  const source = rafkaSource({ url: redis.url, group: name, ...options });
  // One batch per invocation and no idle wait (the protocol between invocations) unless a test asks for more.
  const h = await serverlessHarness(aws, defineFlow({ name, source, sink, deadLetterDir }), { maxBatchesPerInvocation: 1, idleWaitMs: 0, ...config });
  return { h, source };
}

/** Produces `count` entries to a partition; returns their record ids. */
async function append(key: string, count: number, from = 0): Promise<string[]> {
  return (await produce(redis.client, key, count, from)).map((id) => `${key}@${id}`);
}

async function pendingByConsumer(key: string, group: string): Promise<Record<string, number>> {
  const [, , , consumers] = (await redis.client.xpending(key, group)) as [number, string | null, string | null, [string, string][] | null];
  return Object.fromEntries((consumers ?? []).map(([name, n]) => [name, Number(n)]));
}

async function consumersOf(key: string, group: string): Promise<string[]> {
  const list = (await redis.client.xinfo('CONSUMERS', key, group)) as unknown[][];
  return list.map((c) => String(c[c.indexOf('name') + 1]));
}

const lastIdOf = async (h: ServerlessHarness, key: string) => (await h.deps.store.get(key))?.split.data.lastId;
const count = (outcomes: ReaderOutcome[]) => outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o]: (acc[o] ?? 0) + 1 }), {});
const missing = (expected: Iterable<string>, writes: Map<string, number>) => [...expected].filter((id) => !writes.has(id));

describe('rafka on the serverless runtime', () => {
  const aws = useAwsTestEnv();

  it('bounded: 8 partitions × 10k entries, each exactly once; every split FINISHED and the enumerator complete', async () => {
    // Arrange
    const topic = 'sl-bounded';
    const expected: string[] = [];
    const last: string[] = [];
    for (let p = 0; p < 8; p++) {
      const ids = await append(`${topic}:${p}`, 10_000);
      expected.push(...ids);
      last.push(ids[ids.length - 1]!.split('@')[1]!);
    }
    const rec = recordingSink();
    const { h } = await harness(topic, { topic, partitions: 8, until: 'latest' }, rec.sink, aws(), { batchSize: 2_500, maxBatchesPerInvocation: 0 });

    // Act
    const first = await runEnumerator(h.deps);
    const outcomes = await h.drain({ timeoutMs: 40_000 });
    const again = await runEnumerator(h.deps);

    // Assert: each partition read to its stop id by one invocation (4 batches, each committed).
    expect(first).toMatchObject({ discovered: 8, created: 8, discoveryDone: true, complete: false });
    expect(count(outcomes)).toEqual({ finished: 8 });
    expect(missing(expected, rec.writes)).toEqual([]);
    expect(rec.writes.size).toBe(80_000);
    expect(rec.repeated()).toEqual([]);
    for (let p = 0; p < 8; p++) {
      const key = `${topic}:${p}`;
      expect(await h.deps.store.get(key)).toMatchObject({ status: SplitStatus.FINISHED, records: 10_000, attempts: 0 });
      expect(await lastIdOf(h, key)).toBe(last[p]);
      // Acknowledged, and the one per-container consumer left the group when its split finished.
      expect((await redis.client.xpending(key, topic))[0]).toBe(0);
      expect(await consumersOf(key, topic)).toEqual([]);
    }
    expect(again).toMatchObject({ created: 0, discoveryDone: true, complete: true, counts: { FINISHED: 8, PENDING: 0, ASSIGNED: 0, FAILED: 0 } });
    expect(await h.drain()).toEqual([]);
  });

  it('unbounded: misses nothing while producers append; an empty partition is polled with a growing idle delay', async () => {
    // Arrange: partitions 0-3 with a backlog and live producers, partition 4 stays empty.
    const topic = 'sl-live';
    const empty = `${topic}:4`;
    const expected = new Set<string>();
    for (let p = 0; p < 4; p++) for (const id of await append(`${topic}:${p}`, 1_000)) expected.add(id);
    const rec = recordingSink();
    const { h, source } = await harness(topic, { topic, partitions: 5, blockMs: 100 }, rec.sink, aws(), { batchSize: 500, maxIdleDelaySeconds: 4 });
    const consumers = consumerPerInvocation(source);
    expect(await runEnumerator(h.deps)).toMatchObject({ created: 5, complete: false });
    // Every continuation message from here on, with its delay and when it was sent; every message processed.
    const sent: { splitId: string; idleRounds: number | undefined; delay: number; at: number }[] = [];
    const realEnqueue = h.deps.queue.enqueue.bind(h.deps.queue);
    (h.deps.queue as { enqueue: typeof realEnqueue }).enqueue = async (messages, delay = 0) => {
      for (const m of messages) sent.push({ splitId: m.splitId, idleRounds: m.idleRounds, delay, at: Date.now() });
      return realEnqueue(messages, delay);
    };
    const emptyChain = () => sent.filter((s) => s.splitId === empty);
    const received: { message: SplitMessage; outcome: ReaderOutcome; at: number }[] = [];

    // Act: producers append 20 rounds to every live partition while the messages are processed.
    let producing = true;
    const producers = (async () => {
      for (let round = 0; round < 20; round++) {
        for (let p = 0; p < 4; p++) for (const id of await append(`${topic}:${p}`, 50, 10_000 + round * 50)) expected.add(id);
        await new Promise((resolve) => setTimeout(resolve, 25)); // producers pace themselves; nothing waits on this
      }
    })().finally(() => (producing = false));
    const outcomes = await h.drain({
      until: () => !producing && rec.writes.size === expected.size && emptyChain().length >= 3,
      onMessage: (message, outcome, at) => void received.push({ message, outcome, at }),
      timeoutMs: 40_000,
    });
    await producers;

    // Assert: everything arrived once, and every live partition's checkpoint is its last entry.
    expect(missing(expected, rec.writes)).toEqual([]);
    expect(rec.writes.size).toBe(expected.size);
    expect(rec.repeated()).toEqual([]);
    for (let p = 0; p < 4; p++) {
      const key = `${topic}:${p}`;
      const [lastEntry] = await redis.client.xrevrange(key, '+', '-', 'COUNT', 1);
      expect(await lastIdOf(h, key)).toBe(lastEntry![0]);
      expect(await h.deps.store.get(key)).toMatchObject({ status: SplitStatus.PENDING, records: 2_000, attempts: 0 });
    }
    // The empty partition: one continuation per idle round, each delayed 1, 2, 4 (the cap), 4 … s.
    const chain = emptyChain();
    expect(chain.map((s) => s.idleRounds)).toEqual(chain.map((_, i) => i + 1));
    expect(chain.map((s) => s.delay)).toEqual(chain.map((_, i) => Math.min(4, 2 ** i)));
    expect(outcomes).toContain('idle');
    const emptyReceived = received.filter((r) => r.message.splitId === empty);
    expect(emptyReceived.map((r) => r.outcome).every((o) => o === 'idle')).toBe(true);
    // … and SQS held each one back for its delay before a reader got it.
    const delayed = emptyReceived.filter((r) => r.message.idleRounds !== undefined);
    expect(delayed.length).toBeGreaterThanOrEqual(2);
    for (const r of delayed) {
      const s = chain[r.message.idleRounds! - 1]!;
      expect(r.at - s.at).toBeGreaterThanOrEqual(s.delay * 1_000 - 50);
    }
    // Many invocations, many consumer names; none stays in the group once it holds nothing.
    expect(consumers.length).toBeGreaterThan(20);
    for (let p = 0; p < 5; p++) {
      expect((await redis.client.xpending(`${topic}:${p}`, topic))[0]).toBe(0);
      expect(await consumersOf(`${topic}:${p}`, topic)).toEqual([]);
    }
  });

  it('an invocation whose sink fails after writing half a batch: the next invocation takes over its pending entries; nothing lost', async () => {
    // Arrange: the 3rd batch is written in part, then the sink throws (once).
    const topic = 'sl-crash';
    const expected: string[] = [];
    for (let p = 0; p < 2; p++) expected.push(...(await append(`${topic}:${p}`, 1_000)));
    let halfWritten: string[] = [];
    const rec = recordingSink(async (batch, records, write) => {
      if (batch !== 3) return write(records);
      const half = records.slice(0, records.length / 2);
      write(half);
      halfWritten = half.map((r) => r.id);
      throw new Error(`simulated crash after writing ${half.length} of ${records.length} records`);
    });
    const { h, source } = await harness(topic, { topic, partitions: 2, until: 'latest' }, rec.sink, aws(), { batchSize: 300 });
    const consumers = consumerPerInvocation(source);
    let crash: { key: string; consumer: string; pending: Record<string, number> } | undefined;

    // Act
    await runEnumerator(h.deps);
    const outcomes = await h.drain({
      timeoutMs: 40_000,
      onMessage: async (message, outcome) => {
        if (outcome === 'retrying') crash = { key: message.splitId, consumer: consumers[consumers.length - 1]!, pending: await pendingByConsumer(message.splitId, topic) };
      },
    });

    // Assert: the failed invocation's consumer held its whole batch when it was given back …
    expect(count(outcomes)).toEqual({ committed: 6, retrying: 1, finished: 2 });
    expect(crash).toBeDefined();
    expect(crash!.pending).toEqual({ [crash!.consumer]: 300 });
    // … a later invocation (another consumer) took those entries over, and the group is clean.
    for (let p = 0; p < 2; p++) {
      const key = `${topic}:${p}`;
      expect((await redis.client.xpending(key, topic))[0]).toBe(0);
      expect(await consumersOf(key, topic)).toEqual([]);
      expect(await h.deps.store.get(key)).toMatchObject({ status: SplitStatus.FINISHED, records: 1_000, attempts: 0 });
    }
    // Every entry once in the sink; only the half written before the crash was written twice.
    expect(missing(expected, rec.writes)).toEqual([]);
    expect(rec.writes.size).toBe(expected.length);
    expect(halfWritten).toHaveLength(150);
    expect(rec.repeated().sort()).toEqual([...halfWritten].sort());
  });

  it('an invocation whose lease expires mid-batch is fenced off; the failure handler hands the split to another consumer; nothing lost', async () => {
    // Arrange: the first batch is written, then the writer hangs before its commit until released.
    const topic = 'sl-zombie';
    const key = `${topic}:0`;
    const expected = await append(key, 600);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let stalled: string[] | undefined;
    const rec = recordingSink(async (batch, records, write) => {
      write(records);
      if (batch === 1) {
        stalled = records.map((r) => r.id);
        await gate;
      }
    });
    const { h, source } = await harness(topic, { topic, partitions: 1, until: 'latest' }, rec.sink, aws(), { batchSize: 200, timeMarginMs: 100, leaseGraceMs: 300 });
    const consumers = consumerPerInvocation(source);
    await runEnumerator(h.deps);
    const [message] = await h.takeMessages();

    // Act: the zombie (a 1 s Lambda) writes its batch and hangs; its lease (1 s + 0.3 s grace) runs out.
    const zombie = processSplitMessage(h.deps, message!, { owner: 'zombie', remainingMs: () => 1_000 });
    await waitFor(() => stalled !== undefined, 10_000, 'the zombie to write its batch');
    expect(await pendingByConsumer(key, topic)).toEqual({ 'lambda-1': 200 });
    let reclaimed = 0;
    await waitFor(async () => (reclaimed += (await runFailureHandler(h.deps)).reclaimed) > 0, 10_000, 'the lease to expire');
    const outcomes = await h.drain({ timeoutMs: 30_000 });
    release();

    // Assert
    expect(await zombie).toBe('fenced');
    expect(count(outcomes)).toEqual({ committed: 2, finished: 1 });
    expect(consumers[0]).toBe('lambda-1');
    expect(await h.deps.store.get(key)).toMatchObject({ status: SplitStatus.FINISHED, records: 600 });
    expect(await lastIdOf(h, key)).toBe(expected[expected.length - 1]!.split('@')[1]);
    expect((await redis.client.xpending(key, topic))[0]).toBe(0);
    expect(await consumersOf(key, topic)).toEqual([]);
    expect(missing(expected, rec.writes)).toEqual([]);
    expect(rec.writes.size).toBe(600);
    // The zombie's batch reached the (idempotent) sink twice: once from it, once from its successor.
    expect(rec.repeated().sort()).toEqual([...stalled!].sort());
  });

  it('a continuation taken up before its sender returned finds the sender closed: the takeover stands', async () => {
    // Arrange: every invocation reads 10 entries and emits 1 (batchBytes 1), keeping 9 read but not emitted.
    const topic = 'sl-late-close';
    const key = `${topic}:0`;
    const expected = await append(key, 30);
    const rec = recordingSink();
    const { h, source } = await harness(topic, { topic, partitions: 1, until: 'latest' }, rec.sink, aws(), { batchSize: 10, batchBytes: 1 });
    const consumers = consumerPerInvocation(source);
    await runEnumerator(h.deps);
    const [message] = await h.takeMessages();
    // The first continuation is taken up at once, by another invocation, while its sender is still running.
    const realEnqueue = h.deps.queue.enqueue.bind(h.deps.queue);
    let nested: ReaderOutcome | undefined;
    let pendingAfterNext: Record<string, number> | undefined;
    (h.deps.queue as { enqueue: typeof realEnqueue }).enqueue = async (messages, delay) => {
      if (nested !== undefined || messages.length !== 1) return realEnqueue(messages, delay);
      nested = 'dropped';
      nested = await processSplitMessage(h.deps, messages[0]!, { owner: 'next', remainingMs: () => 60_000 });
      pendingAfterNext = await pendingByConsumer(key, topic);
    };

    // Act
    const first = await processSplitMessage(h.deps, message!, { owner: 'first', remainingMs: () => 60_000 });
    const pendingAfterFirst = await pendingByConsumer(key, topic);
    const outcomes = await h.drain({ timeoutMs: 30_000 });

    // Assert: what the next holder took over stays with it; the first holder's close came before.
    expect([first, nested]).toEqual(['committed', 'committed']);
    expect(consumers.slice(0, 2)).toEqual(['lambda-1', 'lambda-2']);
    expect(pendingAfterNext).toEqual({ 'lambda-2': 8 });
    expect(pendingAfterFirst).toEqual({ 'lambda-2': 8 });
    expect(outcomes.at(-1)).toBe('finished');
    expect(await h.deps.store.get(key)).toMatchObject({ status: SplitStatus.FINISHED, records: 30 });
    expect(missing(expected, rec.writes)).toEqual([]);
    expect(rec.repeated()).toEqual([]);
    expect((await redis.client.xpending(key, topic))[0]).toBe(0);
    expect(await consumersOf(key, topic)).toEqual([]);
  });

  it('picks up a partition created after the first enumerator run on the next run', async () => {
    // Arrange: partitions found by SCAN over the key pattern (no fixed count).
    const topic = 'sl-grow';
    const first = await append(`${topic}:0`, 100);
    const rec = recordingSink();
    const { h } = await harness(topic, { topic, blockMs: 100 }, rec.sink, aws(), { maxIdleDelaySeconds: 1 });
    expect(await runEnumerator(h.deps)).toMatchObject({ discovered: 1, created: 1 });
    await h.drain({ until: () => rec.writes.size >= 100, timeoutMs: 20_000 });

    // Act: a new partition appears; the next scheduled enumerator run finds it.
    const added = await append(`${topic}:1`, 30);
    const second = await runEnumerator(h.deps);
    await h.drain({ until: () => rec.writes.size >= 130, timeoutMs: 20_000 });

    // Assert
    expect(second).toMatchObject({ discovered: 2, created: 1, complete: false, counts: { FAILED: 0, FINISHED: 0 } });
    expect(rec.order.filter((id) => id.startsWith(`${topic}:0@`))).toEqual(first);
    expect(rec.order.filter((id) => id.startsWith(`${topic}:1@`))).toEqual(added);
    expect(rec.repeated()).toEqual([]);
    expect(await h.deps.store.get(`${topic}:1`)).toMatchObject({ status: SplitStatus.PENDING, records: 30 });
    for (const key of [`${topic}:0`, `${topic}:1`]) expect(await consumersOf(key, topic)).toEqual([]);
  });

  it('hands a batch of only bad records on at once: it made progress, it was not idle', async () => {
    // Arrange: 6 entries that do not decode (no "v" field), then 2 that do; 2 per batch.
    const topic = 'sl-bad';
    const key = `${topic}:0`;
    const bad = await append(key, 6);
    const good = (await redis.client.pipeline([['xadd', key, '*', 'v', '{"n":1}'], ['xadd', key, '*', 'v', '{"n":2}']]).exec())!.map(([, id]) => `${key}@${id}`);
    const dlq = tempDir();
    const rec = recordingSink();
    const { h } = await harness(topic, { topic, partitions: 1, valueField: 'v', blockMs: 100 }, rec.sink, aws(), { batchSize: 2 }, dlq.dir);
    await runEnumerator(h.deps);
    const sent: { idleRounds: number | undefined; delay: number }[] = [];
    const realEnqueue = h.deps.queue.enqueue.bind(h.deps.queue);
    (h.deps.queue as { enqueue: typeof realEnqueue }).enqueue = async (messages, delay = 0) => {
      for (const m of messages) sent.push({ idleRounds: m.idleRounds, delay });
      return realEnqueue(messages, delay);
    };

    // Act
    const outcomes = await h.drain({ until: () => rec.writes.size >= 2, timeoutMs: 20_000 });

    // Assert: three batches of bad records, each continued without a delay, then the good ones.
    expect(outcomes).toEqual(['committed', 'committed', 'committed', 'committed']);
    expect(sent).toEqual(Array.from({ length: 4 }, () => ({ idleRounds: undefined, delay: 0 })));
    expect(rec.order).toEqual(good);
    expect(readJsonlDir(dlq.dir).map((l) => l.id).sort()).toEqual([...bad].sort());
    expect(await h.deps.store.get(key)).toMatchObject({ records: 2, badRecords: 6 });
    dlq.cleanup();
  });
});
