/**
 * Streaming latency on the serverless loop: Redis append → JSONL sink under `adf dev` (the
 * three functions in a child process, as `adf dev` runs them, against fauxqs and dynalite and
 * a redis-server of its own). A producer XADDs entries carrying their send time; latency = the
 * time the entry's line appears in the sink's part file (polled every 10 ms) minus that time.
 *
 * - Trickle: ADF_BENCH_LATENCY_TRICKLE (60) entries at 1/s → p50, p99. The baseline, in the
 *   same run on the same entries: a bare ioredis `XREADGROUP … BLOCK` loop in its own group
 *   (the floor: Redis delivery alone, no sink, no coordination).
 * - Quiet: ADF_BENCH_LATENCY_QUIET_S (100) s without entries, then one entry sent just after a
 *   reader invocation ends (the worst phase: the split was handed on with its longest delay),
 *   ADF_BENCH_LATENCY_QUIET_ROUNDS (1) times.
 *
 * ADF_MAX_IDLE_DELAY_S and ADF_IDLE_WAIT_MS pass through to `adf dev`. Run: `npm run bench:latency`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { createAwsClients } from '../lib/aws/clients';
import { startEmulators } from '../lib/aws/emulators';
import { ensureResources } from '../lib/aws/resources';
import { SERVERLESS_DEFAULTS } from '../lib/runtime/serverless/ServerlessConfig';
import { startRedis } from '../test/helpers/redisServer';
import { JsonlTail } from './jsonlTail';
import { writeResultSection } from './results';
import { recordTargets } from './targets';

const TRICKLE = Number(process.env.ADF_BENCH_LATENCY_TRICKLE ?? 60);
const QUIET_S = Number(process.env.ADF_BENCH_LATENCY_QUIET_S ?? 100);
const QUIET_ROUNDS = Number(process.env.ADF_BENCH_LATENCY_QUIET_ROUNDS ?? 1);
/** The trickle goes round robin over this many partitions (each a split, as many continuation chains). */
const PARTITIONS = Number(process.env.ADF_BENCH_LATENCY_PARTITIONS ?? 1);
/** Trickle entries per second (over all partitions). */
const RATE = Number(process.env.ADF_BENCH_LATENCY_RATE ?? 1);
const MAX_IDLE_DELAY_S = Number(process.env.ADF_MAX_IDLE_DELAY_S ?? SERVERLESS_DEFAULTS.maxIdleDelaySeconds);
const IDLE_WAIT_MS = Number(process.env.ADF_IDLE_WAIT_MS ?? SERVERLESS_DEFAULTS.idleWaitMs);
const ADF = resolve(__dirname, '..', 'test', 'helpers', 'adfFromSource.js');
const TOPIC = 'latency';
const STREAMS = Array.from({ length: PARTITIONS }, (_, p) => `${TOPIC}:${p}`);

/** Nearest-rank percentile of ms values. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Resolves `sentAt → seenAt` per sequence number as lines arrive. */
class Arrivals {
  constructor(private readonly where: string) {}
  private readonly seen = new Map<number, number>();
  private readonly waiters = new Map<number, () => void>();
  record(seq: number, at: number): void {
    if (this.seen.has(seq)) return;
    this.seen.set(seq, at);
    this.waiters.get(seq)?.();
  }
  at(seq: number): number | undefined {
    return this.seen.get(seq);
  }
  async wait(seq: number, timeoutMs: number): Promise<number> {
    if (!this.seen.has(seq)) {
      await Promise.race([new Promise<void>((done) => this.waiters.set(seq, done)), sleep(timeoutMs, undefined, { ref: false })]);
    }
    const at = this.seen.get(seq);
    if (at === undefined) throw new Error(`entry ${seq} did not reach ${this.where} within ${timeoutMs} ms`);
    return at;
  }
}

/** The floor: XREADGROUP BLOCK on a connection of its own, each entry's arrival time. */
function bareConsumer(url: string, arrivals: Arrivals): { stop(): Promise<void> } {
  const client = new Redis(url);
  let running = true;
  const loop = (async () => {
    for (const stream of STREAMS) await client.xgroup('CREATE', stream, 'bare', '$', 'MKSTREAM').catch(() => undefined);
    while (running) {
      const reply = (await client.call('xreadgroup', 'GROUP', 'bare', 'c', 'COUNT', 100, 'BLOCK', 200, 'STREAMS', ...STREAMS, ...STREAMS.map(() => '>'))) as [string, [string, string[]][]][] | null;
      const now = Date.now();
      for (const [stream, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          const seq = Number(fields[fields.indexOf('seq') + 1]);
          arrivals.record(seq, now);
          await client.xack(stream, 'bare', id);
        }
      }
    }
  })();
  return { stop: async () => { running = false; await loop; client.disconnect(); } };
}

async function main(): Promise<void> {
  const startLoad = load();
  const dir = mkdtempSync(join(tmpdir(), 'adf-bench-latency-'));
  const out = join(dir, 'out');
  const redis = await startRedis();
  const emulators = await startEmulators({ dynamodb: 'dynalite' });
  const aws = createAwsClients({ region: emulators.region, endpoints: emulators.endpoints, credentials: emulators.credentials });
  const producer = new Redis(redis.url);
  const adf = new Arrivals('the JSONL output');
  const bare = new Arrivals('the bare consumer');
  const sentAt = new Map<number, number>();
  let seq = 0;
  const send = async () => {
    const n = seq++;
    sentAt.set(n, Date.now());
    await producer.xadd(STREAMS[n % PARTITIONS]!, '*', 'seq', String(n), 'sentAt', String(sentAt.get(n)));
    return n;
  };
  const tail = new JsonlTail(out, (line, at) => adf.record(Number((line as { value: { seq: string } }).value.seq), at));
  const readerEnds: (() => void)[] = [];
  let readerInvocations = 0;
  const names = { tableName: 'adf-bench-latency', queueName: 'adf-bench-latency', dlqName: 'adf-bench-latency-dlq' };
  const { queueUrl, dlqUrl } = await ensureResources(aws, names);
  await producer.hset(`${TOPIC}:meta`, 'partitions', String(PARTITIONS), 'created', String(Date.now()));
  const child = spawn(process.execPath, [ADF, 'dev', '--source', 'rafka', '--redis-url', redis.url, '--topic', TOPIC, '--partitions', String(PARTITIONS), '--out', out, '--name', 'latency'], {
    cwd: dir,
    env: {
      ...process.env, ...emulators.environment, ADF_FLOW: '', ADF_SPLIT_TABLE: names.tableName, ADF_SPLIT_QUEUE_URL: queueUrl, ADF_DLQ_URL: dlqUrl,
      ADF_MAX_IDLE_DELAY_S: String(MAX_IDLE_DELAY_S), ADF_IDLE_WAIT_MS: String(IDLE_WAIT_MS), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
    // "[adf dev] reader  ok  1.0s  messages=…": printed once an invocation's messages are settled (its continuation sent).
    for (const _ of chunk.matchAll(/\[adf dev\] reader\s/g)) {
      readerInvocations++;
      readerEnds.splice(0).forEach((f) => f());
    }
  });
  const nextReaderEnd = (timeoutMs: number) => Promise.race([new Promise<boolean>((done) => readerEnds.push(() => done(true))), sleep(timeoutMs, false, { ref: false })]);
  const floor = bareConsumer(redis.url, bare);
  tail.start();
  try {
    // Warm up: the enumerator, the first claims, the groups, the part files (an entry per partition).
    for (let p = 0; p < PARTITIONS; p++) {
      const n = await send();
      await adf.wait(n, 60_000).catch((e: Error) => { throw new Error(`${e.message}; adf dev said:\n${stderr}`); });
    }
    const first = seq - 1;
    await sleep(2_000);

    const trickle: number[] = [];
    const floorTrickle: number[] = [];
    const invocationsBefore = readerInvocations;
    const t0 = Date.now();
    for (let i = 0; i < TRICKLE; i++) {
      await sleep(Math.max(0, t0 + (i * 1000) / RATE - Date.now()));
      await send();
    }
    for (let n = first + 1; n < seq; n++) {
      trickle.push((await adf.wait(n, 30_000)) - sentAt.get(n)!);
      floorTrickle.push((await bare.wait(n, 5_000)) - sentAt.get(n)!);
    }
    const trickleInvocations = readerInvocations - invocationsBefore;

    const quiet: { latencyMs: number; worstPhase: boolean; idleInvocations: number }[] = [];
    for (let round = 0; round < QUIET_ROUNDS; round++) {
      const before = readerInvocations;
      await sleep(QUIET_S * 1000);
      // Just after an invocation handed the split on: the entry waits out the whole idle delay.
      const worstPhase = await nextReaderEnd(MAX_IDLE_DELAY_S * 1000 + 30_000);
      const idleInvocations = readerInvocations - before;
      seq += (PARTITIONS - (seq % PARTITIONS)) % PARTITIONS; // to partition 0, whose chain went quiet like the others
      const n = await send();
      quiet.push({ latencyMs: (await adf.wait(n, MAX_IDLE_DELAY_S * 1000 + 60_000)) - sentAt.get(n)!, worstPhase, idleInvocations });
    }

    const p50 = percentile(trickle, 50);
    const p99 = percentile(trickle, 99);
    const worstQuiet = Math.max(...quiet.map((q) => q.latencyMs));
    const endLoad = load();
    const report = [
      '## Streaming latency (serverless loop, `npm run bench:latency`)',
      '',
      `Redis XADD → line in the JSONL part file, rafka source (${PARTITIONS} partition${PARTITIONS > 1 ? 's, the trickle round robin over them' : ''}) → jsonl sink under \`adf dev\` (fauxqs + dynalite, a redis-server of its own), ` +
        `maxIdleDelay ${MAX_IDLE_DELAY_S} s, idleWaitMs ${IDLE_WAIT_MS}. Output polled every 10 ms. Load average (1/5/15 min) ${startLoad} at start, ${endLoad} at end, on ${new Date().toISOString()}.`,
      '',
      '| phase | figure | adf dev | bare XREADGROUP BLOCK loop (floor) |',
      '|---|---|---|---|',
      `| trickle, ${trickle.length} entries at ${RATE}/s | p50 | ${s(p50)} | ${s(percentile(floorTrickle, 50))} |`,
      `| | p99 | ${s(p99)} | ${s(percentile(floorTrickle, 99))} |`,
      `| | max | ${s(Math.max(...trickle))} | ${s(Math.max(...floorTrickle))} |`,
      `| | reader invocations that ended | ${trickleInvocations} | |`,
      ...quiet.map((q, i) => `| quiet ${QUIET_S} s${quiet.length > 1 ? ` #${i + 1}` : ''}, then 1 entry${q.worstPhase ? ' at the worst phase (just after a hand-on)' : ' (phase not caught)'} | latency | ${s(q.latencyMs)} | |\n| | reader invocations that ended while quiet | ${q.idleInvocations} | |`),
    ].join('\n');
    writeResultSection('latency', report);
    recordTargets([
      { bench: 'latency', figure: 'Redis append → JSONL, serverless loop, trickle 1 entry/s, p50', value: p50 / 1000, op: '<=', target: 1, unit: 's' },
      { bench: 'latency', figure: `same, one entry after ${QUIET_S} s of quiet (worst phase)`, value: worstQuiet / 1000, op: '<=', target: 11, unit: 's' },
    ]);
    process.stdout.write(`${report}\n`);
  } finally {
    tail.stop();
    const stopping = Date.now();
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000, undefined, { ref: false })]);
    process.stderr.write(`adf dev stopped in ${Date.now() - stopping} ms\n`);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await floor.stop();
    producer.disconnect();
    aws.destroy();
    await emulators.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
