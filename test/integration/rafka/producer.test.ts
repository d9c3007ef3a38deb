import { defineFlow } from '../../../lib/flow';
import { describeTopic } from '../../../lib/cli/topicCommand';
import { createTopicMetadata, kafkaPartitionForKey, rafkaProducer } from '../../../lib/rafka';
import { runEmbedded } from '../../../lib/runtime/embedded';
import { runEnumerator } from '../../../lib/runtime/serverless/EnumeratorRun';
import { functionSink } from '../../../lib/sinks';
import type { SourceRecord } from '../../../lib/source-support';
import { rafkaSource } from '../../../lib/sources/rafka';
import { useAwsTestEnv } from '../../helpers/awsEnv';
import { duplicates } from '../../helpers/redisTopic';
import { serverlessHarness } from '../../helpers/serverlessHarness';
import { tempDir } from '../../helpers/tmp';
import { useRedisServer } from '../../helpers/useRedisServer';

const redis = useRedisServer();

type Order = { customer: string; seq: number };

/** `perKey` records for each of `keys` customers, interleaved; seq counts per customer. */
function orders(keys: number, perKey: number): Order[] {
  const out: Order[] = [];
  for (let i = 0; i < perKey; i++) for (let k = 0; k < keys; k++) out.push({ customer: `c${k}`, seq: i });
  return out;
}

async function produceOrders(topic: string, records: Order[]): Promise<void> {
  const producer = rafkaProducer({ url: redis.url, topic });
  for (let i = 0; i < records.length; i += 3_000) await producer.send(records.slice(i, i + 3_000).map((value) => ({ key: value.customer, value })));
  await producer.close();
}

/** Every customer's seqs in the order they were read: must be 0..perKey-1, each once. */
function expectPerKeyOrder(seen: SourceRecord<Order>[], keys: number, perKey: number): void {
  expect(duplicates(seen.map((r) => r.id))).toEqual([]);
  const byKey = new Map<string, number[]>();
  for (const r of seen) byKey.set(r.value.customer, [...(byKey.get(r.value.customer) ?? []), r.value.seq]);
  expect(byKey.size).toBe(keys);
  for (const seqs of byKey.values()) expect(seqs).toEqual(Array.from({ length: perKey }, (_, i) => i));
}

describe('rafka producer', () => {
  it('puts each key on the partition Kafka would, returns the entry ids, and spreads keyless records round-robin', async () => {
    await createTopicMetadata(redis.client, 'place', { partitions: 5 });
    const producer = rafkaProducer({ url: redis.url, topic: 'place' });
    const sent = await producer.send([{ key: 'alice', value: 1 }, { key: 'bob', value: 2 }, { value: 3 }, { value: 4 }, { value: 5 }, { key: 'alice', value: 6, headers: { h: 'x' } }]);
    await producer.close();
    expect(sent.map((m) => m.partition)).toEqual([kafkaPartitionForKey('alice', 5), kafkaPartitionForKey('bob', 5), 0, 1, 2, kafkaPartitionForKey('alice', 5)]);
    const [id, fields] = (await redis.client.xrange(`place:${sent[5]!.partition}`, sent[5]!.id, sent[5]!.id))[0]!;
    expect(id).toBe(sent[5]!.id);
    expect(fields).toEqual(['key', 'alice', 'value', '6', 'headers', '{"h":"x"}']);
  });

  it('a send over several script calls keeps every partition in send order and returns each entry id; a lone surrogate becomes U+FFFD', async () => {
    await createTopicMetadata(redis.client, 'chunks', { partitions: 3 });
    const producer = rafkaProducer({ url: redis.url, topic: 'chunks' });
    const records = Array.from({ length: 2_500 }, (_, i) => ({ key: `k${i % 7}`, valueJson: JSON.stringify({ i }) }));
    const sent = await producer.send([...records, { key: 'k0', valueJson: '"\ud800 lone"' }]);
    await producer.close();
    for (let p = 0; p < 3; p++) {
      const entries = await redis.client.xrange(`chunks:${p}`, '-', '+');
      const mine = sent.map((m, i) => ({ ...m, i })).filter((m) => m.partition === p);
      expect(entries.map(([id]) => id)).toEqual(mine.map((m) => m.id));
      expect(entries.map(([, f]) => f[3])).toEqual(mine.map((m) => (m.i < 2_500 ? records[m.i]!.valueJson : '"\ufffd lone"')));
    }
  });

  it('idempotent: a record id sent again is not appended, and its earlier entry id comes back', async () => {
    await createTopicMetadata(redis.client, 'idem', { partitions: 3 });
    const producer = rafkaProducer({ url: redis.url, topic: 'idem', idempotent: true });
    const first = await producer.send([{ id: 'a', key: 'k1', value: 1 }, { id: 'b', key: 'k2', value: 2 }]);
    const again = await producer.send([{ id: 'a', key: 'k1', value: 1 }, { id: 'c', key: 'k1', value: 3 }]);
    await producer.close();
    expect(again[0]).toEqual({ ...first[0], duplicate: true });
    expect(again[1]!.duplicate).toBe(false);
    let total = 0;
    for (let p = 0; p < 3; p++) total += await redis.client.xlen(`idem:${p}`);
    expect(total).toBe(3);
    await expect(rafkaProducer({ url: redis.url, topic: 'idem', idempotent: true }).send([{ key: 'x', value: 1 }])).rejects.toThrow(/need an id on every record/);
  });

  it('refuses a topic without metadata or partitions, naming the fix', async () => {
    await expect(rafkaProducer({ url: redis.url, topic: 'nometa' }).send([{ value: 1 }])).rejects.toThrow(/adf topic create nometa --partitions N/);
  });

  it('maxLen warns before trimming entries a group has not acknowledged, and not when the group is caught up', async () => {
    await createTopicMetadata(redis.client, 'trim', { partitions: 1, maxLen: 50 });
    const warnings: string[] = [];
    const producer = rafkaProducer({ url: redis.url, topic: 'trim', onWarning: (w) => warnings.push(w) });
    await producer.send(Array.from({ length: 40 }, (_, i) => ({ value: i })));
    await redis.client.xgroup('CREATE', 'trim:0', 'billing', '0');
    expect(warnings).toEqual([]);
    await producer.send(Array.from({ length: 20 }, (_, i) => ({ value: i })));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/trim:0: trimming to ~50 entries may drop entries group billing has not acknowledged \(40 unread, 0 pending, 20 being added\)/);
    // Caught up: read and acknowledge everything, then more sends trim without a warning.
    const read = (await redis.client.xreadgroup('GROUP', 'billing', 'c', 'COUNT', 1000, 'STREAMS', 'trim:0', '>')) as [string, [string, string[]][]][];
    await redis.client.xack('trim:0', 'billing', ...read[0]![1].map(([id]) => id));
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ value: i })));
    await producer.close();
    expect(warnings).toHaveLength(1);
  });
});

describe('topic metadata and describe', () => {
  it('the rafka source finds the partitions in the metadata (no partitions option, no SCAN), empty ones included', async () => {
    await createTopicMetadata(redis.client, 'meta', { partitions: 4 });
    await redis.client.xadd('meta:2', '*', 'value', '1');
    const seen: SourceRecord<unknown>[] = [];
    const state = tempDir();
    const summary = await runEmbedded(defineFlow({ name: 'meta', source: rafkaSource({ url: redis.url, topic: 'meta', until: 'latest' }), sink: functionSink((r) => void seen.push(...r)) }), { inProcess: true, stateDir: state.dir, progress: false, parallelism: 2 });
    expect(summary).toMatchObject({ status: 'completed', records: 1, splits: { total: 4, finished: 4 } });
    state.cleanup();
  });

  it("describe's lag per partition is what the group still has to read (unread + pending)", async () => {
    await createTopicMetadata(redis.client, 'lag', { partitions: 3 });
    await produceOrders('lag', orders(7, 30));
    // The group reads 50 entries of partition 0 .. 2 each and acknowledges only the first 20 of each.
    for (let p = 0; p < 3; p++) {
      await redis.client.xgroup('CREATE', `lag:${p}`, 'g', '0');
      const read = (await redis.client.xreadgroup('GROUP', 'g', 'c', 'COUNT', 50, 'STREAMS', `lag:${p}`, '>')) as [string, [string, string[]][]][] | null;
      const ids = read?.[0]?.[1].map(([id]) => id) ?? [];
      if (ids.length > 0) await redis.client.xack(`lag:${p}`, 'g', ...ids.slice(0, 20));
    }
    const d = await describeTopic(redis.client, 'lag');
    expect(d).toMatchObject({ topic: 'lag', partitions: 3, metadata: true, length: 210 });
    for (const p of d.partitionDetails) {
      // What the group still has to read: its pending entries, then everything it was never given.
      const pending = (await redis.client.xreadgroup('GROUP', 'g', 'c', 'COUNT', 10_000, 'STREAMS', `lag:${p.partition}`, '0')) as [string, [string, string[]][]][];
      const unread = (await redis.client.xreadgroup('GROUP', 'g', 'c2', 'COUNT', 10_000, 'STREAMS', `lag:${p.partition}`, '>')) as [string, [string, string[]][]][] | null;
      const stillToRead = pending[0]![1].length + (unread?.[0]?.[1].length ?? 0);
      expect(p.groups).toEqual([expect.objectContaining({ name: 'g', lag: stillToRead })]);
      expect(p.groups[0]!.pending).toBe(pending[0]![1].length);
      expect(p.firstId).toBe((await redis.client.xrange(`lag:${p.partition}`, '-', '+', 'COUNT', 1))[0]![0]);
    }
    expect(d.partitionDetails.reduce((n, p) => n + p.groups[0]!.lag, 0)).toBe(210 - 60);
  });
});

describe('per-key order, end to end', () => {
  const aws = useAwsTestEnv();

  it('embedded: every customer’s records in order, each exactly once', async () => {
    await createTopicMetadata(redis.client, 'e2e-emb', { partitions: 8 });
    await produceOrders('e2e-emb', orders(50, 200));
    const seen: SourceRecord<Order>[] = [];
    const state = tempDir();
    const summary = await runEmbedded(
      defineFlow({ name: 'e2e-emb', source: rafkaSource({ url: redis.url, topic: 'e2e-emb', until: 'latest', valueField: 'value' }), sink: functionSink<Order>((r) => void seen.push(...r)) }),
      { inProcess: true, stateDir: state.dir, progress: false, parallelism: 3, limits: { maxRecords: 700 } },
    );
    expect(summary).toMatchObject({ status: 'completed', records: 10_000, splits: { total: 8, finished: 8 } });
    expectPerKeyOrder(seen, 50, 200);
    state.cleanup();
  });

  it('serverless: every customer’s records in order, each exactly once', async () => {
    await createTopicMetadata(redis.client, 'e2e-sls', { partitions: 4 });
    await produceOrders('e2e-sls', orders(20, 100));
    const seen: SourceRecord<Order>[] = [];
    const source = rafkaSource({ url: redis.url, topic: 'e2e-sls', group: 'e2e-sls', until: 'latest', valueField: 'value' });
    const h = await serverlessHarness(aws(), defineFlow({ name: 'e2e-sls', source, sink: functionSink<Order>((r) => void seen.push(...r)) }), { batchSize: 300 });
    expect(await runEnumerator(h.deps)).toMatchObject({ discovered: 4, created: 4 });
    await h.drain({ timeoutMs: 60_000 });
    expect(await runEnumerator(h.deps)).toMatchObject({ complete: true, counts: { FINISHED: 4 } });
    expectPerKeyOrder(seen, 20, 100);
  });
});
