/**
 * Reading a Rafka topic into a null sink: `adf run --source rafka --until latest --sink null`
 * (the embedded runtime, readers on worker threads, a checkpoint committed per batch, XACK after
 * each commit) with 1 and 2 readers, against the baseline, a bare ioredis loop that reads each
 * partition with `XREADGROUP … COUNT 1000 STREAMS key >` and XACKs what it got, round robin,
 * until every partition is empty. Each run reads the same 4 partitions × 100k entries (the
 * fields the Rafka sink writes: key, value, id) in a consumer group of its own. The three
 * alternate for ADF_BENCH_ROUNDS rounds on one fresh redis-server; each figure is the median.
 * Run: `npm run bench:rafka-read` (ADF_BENCH_RAFKA_READ_ENTRIES=100000 per partition).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type * as RedisClients from '../lib/redis/redisClient';
import type * as Embedded from '../lib/runtime/embedded';
import { startRedis } from '../test/helpers/redisServer';
import { writeResultSection } from './results';
import { recordTargets } from './targets';

// The built package (npm run bench builds dist/ first), as `adf run` runs: its reader threads
// start compiled JavaScript, not the TypeScript sources through tsx.
/* eslint-disable @typescript-eslint/no-require-imports */
const { runEmbedded } = require('../dist/runtime/embedded') as typeof Embedded;
const { closeRedisClients } = require('../dist/redis/redisClient') as typeof RedisClients;
/* eslint-enable @typescript-eslint/no-require-imports */

const PER_PARTITION = Number(process.env.ADF_BENCH_RAFKA_READ_ENTRIES ?? 100_000);
const ROUNDS = Number(process.env.ADF_BENCH_ROUNDS ?? 3);
const PARTITIONS = 4;
const TOPIC = 'bench-read';
const COUNT = 1_000;
const TOTAL = PARTITIONS * PER_PARTITION;
const keyOf = (p: number) => `${TOPIC}:${p}`;

/** Entries as the Rafka sink writes them (`key`, `value` JSON, `id`), pipelined. */
async function fill(client: Redis): Promise<void> {
  for (let p = 0; p < PARTITIONS; p++) {
    for (let start = 0; start < PER_PARTITION; start += 5_000) {
      const pipeline = client.pipeline();
      for (let i = start; i < Math.min(PER_PARTITION, start + 5_000); i++) {
        const n = p * PER_PARTITION + i;
        const value = JSON.stringify({ oid: `o-${n}`, customer: `customer-${n % 10_000}`, amount: (n * 7) % 1000, note: 'a keyed order' });
        pipeline.xadd(keyOf(p), '*', 'key', `customer-${n % 10_000}`, 'value', value, 'id', `orders.jsonl:${n}`);
      }
      await pipeline.exec();
    }
  }
}

/** The baseline: XREADGROUP COUNT 1000 per partition, round robin, XACK what came; nothing else. */
async function bareLoop(url: string, group: string): Promise<number> {
  const client = new Redis(url, { protocol: 2 });
  for (let p = 0; p < PARTITIONS; p++) await client.xgroup('CREATE', keyOf(p), group, '0');
  let records = 0;
  const live = new Set(Array.from({ length: PARTITIONS }, (_, p) => keyOf(p)));
  while (live.size > 0) {
    for (const key of [...live]) {
      const reply = (await client.call('xreadgroup', 'GROUP', group, 'bare', 'COUNT', COUNT, 'STREAMS', key, '>')) as [string, [string, string[]][]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) {
        live.delete(key);
        continue;
      }
      records += entries.length;
      await client.xack(key, group, ...entries.map(([id]) => id));
    }
  }
  await client.quit();
  return records;
}

async function adf(url: string, group: string, parallelism: number, stateDir: string): Promise<number> {
  const summary = await runEmbedded(
    { kind: 'options', options: { name: group, source: 'rafka', topic: TOPIC, partitions: PARTITIONS, redisUrl: url, until: 'latest', sink: 'null' } },
    { parallelism, fresh: true, progress: false, stateDir: join(stateDir, group), log: () => undefined },
  );
  if (summary.status !== 'completed') throw new Error(`${group}: run ${summary.status}`);
  return summary.records;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'adf-bench-rafka-read-'));
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const load = [loadavg()[0]!];
  const runs: Record<string, (group: string) => Promise<number>> = {
    baseline: (group) => bareLoop(redis.url, group),
    one: (group) => adf(redis.url, group, 1, dir),
    two: (group) => adf(redis.url, group, 2, dir),
  };
  const seconds: Record<string, number[]> = { baseline: [], one: [], two: [] };
  try {
    process.stderr.write(`filling ${PARTITIONS} partitions × ${PER_PARTITION} entries…\n`);
    await fill(client);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, run] of Object.entries(runs)) {
        const group = `bench-${name}-${round}`;
        const started = process.hrtime.bigint();
        const records = await run(group);
        const s = Number(process.hrtime.bigint() - started) / 1e9;
        if (records !== TOTAL) throw new Error(`${name}: ${records} records, expected ${TOTAL}`);
        for (let p = 0; p < PARTITIONS; p++) {
          const info = ((await client.xinfo('GROUPS', keyOf(p))) as unknown[][]).find((g) => g[1] === group)!;
          const pending = info[info.indexOf('pending') + 1];
          if (Number(pending) !== 0) throw new Error(`${name}: ${pending} entries left pending in ${keyOf(p)}`);
          await client.xgroup('DESTROY', keyOf(p), group);
        }
        seconds[name]!.push(s);
        load.push(loadavg()[0]!);
        process.stderr.write(`round ${round + 1} ${name}: ${s.toFixed(2)} s (${Math.round(TOTAL / s)} records/s)\n`);
      }
    }
  } finally {
    await client.quit();
    await closeRedisClients();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rate = (name: string) => TOTAL / median(seconds[name]!);
  const oneRatio = rate('one') / rate('baseline');
  const scaling = rate('two') / rate('one');
  const row = (label: string, name: string, ratio: string) => `| ${label} | ${TOTAL} | ${median(seconds[name]!).toFixed(2)} | ${Math.round(rate(name))} | ${ratio} |`;
  writeResultSection('rafka-read', `## Reading Rafka into a null sink (${PARTITIONS} partitions × ${PER_PARTITION} entries)

Written by \`npm run bench:rafka-read\` on ${new Date().toISOString()} · ${cpus()[0]?.model ?? '?'} × ${cpus().length} · Node ${process.version} · load average ${Math.min(...load).toFixed(2)}–${Math.max(...load).toFixed(2)} during the run.
The three runs alternate for ${ROUNDS} rounds against one fresh redis-server on the same machine, each in a consumer group of its own; each figure is the median.

| run | records | seconds | records/s | ratio |
|---|---|---|---|---|
${row('bare ioredis loop: XREADGROUP COUNT 1000 per partition, round robin, XACK (baseline)', 'baseline', '1.00')}
${row('`adf run --source rafka --until latest --sink null`, 1 reader', 'one', `**${oneRatio.toFixed(2)}** to the bare loop (target ≥ 0.85)`)}
${row('same, `--parallelism 2`', 'two', `**${scaling.toFixed(2)}** to 1 reader (target ≥ 1.3)`)}

The adf runs include starting the worker threads (the built package, as adf run runs it), discovering the partitions,
the consumer-group takeover check, decoding every entry into a record, a checkpoint commit per batch and the
XACK after it.`);
  recordTargets([
    { bench: 'rafka-read', figure: 'Rafka → null sink, 1 embedded reader ÷ bare ioredis XREADGROUP COUNT 1000 + XACK loop', value: oneRatio, op: '>=', target: 0.85, unit: '×' },
    { bench: 'rafka-read', figure: 'Rafka, --parallelism 2 ÷ 1 reader', value: scaling, op: '>=', target: 1.3, unit: '×' },
  ]);
  process.stdout.write(`${JSON.stringify(seconds)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
