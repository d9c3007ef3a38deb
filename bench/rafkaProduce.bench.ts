/**
 * Producing to Rafka by key: `adf produce --key-field customer` (a child process, the file on
 * stdin) and a Rafka-sink flow (`adf run --source file --sink rafka --key-field customer`,
 * exactly once by record id through the split high-water mark) against the baseline, a bare ioredis loop
 * that reads the same file line by line, takes the key and XADDs it pipelined to the same
 * partition (Kafka's murmur2). The three alternate for ADF_BENCH_ROUNDS rounds on a fresh
 * redis-server; each figure is the median. Run: `npm run bench:rafka` (ADF_BENCH_RAFKA_RECORDS,
 * default 1 000 000: about 17 min for 3 rounds on 2 cores at load 11, estimated ~7 min idle;
 * the section says how long its run took).
 */
import { spawn } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import { kafkaPartitionForKey } from '../lib/rafka/kafkaPartitioner';
import { startRedis } from '../test/helpers/redisServer';
import { writeResultSection } from './results';
import { recordTargets } from './targets';

const RECORDS = Number(process.env.ADF_BENCH_RAFKA_RECORDS ?? 1_000_000);
const ROUNDS = Number(process.env.ADF_BENCH_ROUNDS ?? 3);
const PARTITIONS = 8;
const CUSTOMERS = 10_000;
const PIPELINE = 5_000;
const ADF = resolve(__dirname, '..', 'bin', 'adf.js');

function makeFile(dir: string): string {
  const data = join(dir, 'data');
  mkdirSync(data);
  const file = join(data, 'orders.jsonl');
  const lines: string[] = [];
  for (let i = 0; i < RECORDS; i++) lines.push(JSON.stringify({ oid: `o-${i}`, customer: `customer-${i % CUSTOMERS}`, amount: (i * 7) % 1000, note: 'a keyed order' }));
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The baseline: read, take the key, XADD key+value to its partition, pipelined; nothing else. */
async function bareLoop(url: string, file: string, topic: string): Promise<void> {
  const client = new Redis(url);
  let pipeline = client.pipeline();
  let queued = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line === '') continue;
    const key = (JSON.parse(line) as { customer: string }).customer;
    pipeline.xadd(`${topic}:${kafkaPartitionForKey(key, PARTITIONS)}`, '*', 'key', key, 'value', line);
    if (++queued === PIPELINE) {
      await pipeline.exec();
      pipeline = client.pipeline();
      queued = 0;
    }
  }
  if (queued > 0) await pipeline.exec();
  await client.quit();
}

function adf(args: string[], stdinFile?: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [ADF, ...args], { stdio: [stdinFile ? 'pipe' : 'ignore', 'ignore', 'inherit'] });
    if (stdinFile) createReadStream(stdinFile).pipe(child.stdin!);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`adf ${args.join(' ')} exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const benchStarted = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'adf-bench-rafka-'));
  const file = makeFile(dir);
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const runs: Record<string, (topic: string) => Promise<void>> = {
    baseline: (topic) => bareLoop(redis.url, file, topic),
    produce: (topic) => adf(['produce', topic, '--key-field', 'customer', '--redis-url', redis.url, '--quiet'], file),
    sink: (topic) => adf(['run', '--source', 'file', '--path', join(dir, 'data'), '--sink', 'rafka', '--topic', topic, '--key-field', 'customer', '--redis-url', redis.url, '--state-dir', join(dir, `state-${topic}`), '--parallelism', '1', '--quiet']),
  };
  const seconds: Record<string, number[]> = { baseline: [], produce: [], sink: [] };
  const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, run] of Object.entries(runs)) {
        await client.flushall();
        const topic = `bench-${name}-${round}`;
        await client.hset(`${topic}:meta`, 'partitions', String(PARTITIONS), 'created', String(Date.now()));
        const started = process.hrtime.bigint();
        await run(topic);
        const s = Number(process.hrtime.bigint() - started) / 1e9;
        let total = 0;
        for (let p = 0; p < PARTITIONS; p++) total += await client.xlen(`${topic}:${p}`);
        if (total !== RECORDS) throw new Error(`${name}: ${total} entries, expected ${RECORDS}`);
        seconds[name]!.push(s);
        process.stderr.write(`round ${round + 1} ${name}: ${s.toFixed(2)} s\n`);
      }
    }
  } finally {
    await client.quit();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(seconds.baseline!);
  const ratio = (name: string) => Number((base / median(seconds[name]!)).toFixed(2));
  recordTargets([
    { bench: 'rafka-produce', figure: 'adf produce --key-field: rate ÷ bare pipelined XADD loop', value: ratio('produce'), op: '>=', target: 0.8, unit: '×' },
    { bench: 'rafka-produce', figure: '--sink rafka flow, exactly once: rate ÷ bare pipelined XADD loop', value: ratio('sink'), op: '>=', target: 0.8, unit: '×' },
  ]);
  const row = (label: string, name: string, target: string) => {
    const s = median(seconds[name]!);
    return `| ${label} | ${RECORDS} | ${s.toFixed(2)} | ${Math.round(RECORDS / s)} | ${name === 'baseline' ? '1.00' : `**${(base / s).toFixed(2)}**${target}`} |`;
  };
  writeResultSection('rafka-produce', `## Producing to Rafka by key (${PARTITIONS} partitions, ${CUSTOMERS} keys)

Written by \`npm run bench:rafka\` on ${new Date().toISOString()} · ${cpus()[0]?.model ?? '?'} × ${cpus().length} · Node ${process.version}.
${RECORDS} JSON Lines records; the three runs alternate for ${ROUNDS} rounds against one fresh redis-server on the same machine; each figure is the median.
Load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter} (a shared machine: other engineers' tests run too). The whole run took ${((Date.now() - benchStarted) / 60_000).toFixed(1)} min.
Per round (s): ${Object.entries(seconds).map(([name, xs]) => `${name} ${xs.map((x) => x.toFixed(1)).join(', ')}`).join('; ')}.

| run | records | seconds | records/s | ratio to bare loop |
|---|---|---|---|---|
${row('bare ioredis loop: read lines, key → murmur2 partition, pipelined XADD (baseline)', 'baseline', '')}
${row('`adf produce --key-field customer` (child process, file on stdin)', 'produce', ' (target ≥ 0.8)')}
${row('`adf run --source file --sink rafka --key-field customer`, 1 reader, exactly once (split high-water mark)', 'sink', ' (target ≥ 0.8)')}

The adf runs include starting the process (node, the built dist/); the sink run also commits a checkpoint per batch
(5000 records) and dedupes by one high-water mark per split: one Lua script per 1000 records
XADDs them to their partitions and moves the mark (a GET and a SET per script, not per record).`);
  process.stdout.write(`${JSON.stringify(seconds)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
