/**
 * `npm run bench:serverless`: the serverless loop (`adf dev --once`: the three functions in this
 * process against DynamoDB Local and fauxqs, as tests/localstack start them) against embedded
 * `adf run`, over one CSV → JSON Lines, in alternated rounds (medians). Also 100 small files
 * against 10 large ones with the same rows on the serverless loop, and the AWS calls per batch
 * (an SDK middleware on every client) priced per 1M records at AWS list prices.
 *
 *   ADF_BENCH_ROWS=400000  ADF_BENCH_ROUNDS=3  ADF_BENCH_MEMORY_MB=1024 (serverless.yml memorySize)
 *   ADF_BENCH_DYNAMODB=dynamodb-local | dynalite (dynalite runs on this thread: it slows the loop)
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createAwsClients } from '../lib/aws/clients';
import { startEmulators, type DynamoDbBackend } from '../lib/aws/emulators';
import { ensureResources } from '../lib/aws/resources';
import { DEV_DEFAULTS } from '../lib/cli/devCommand';
import { runEmbedded } from '../lib/runtime/embedded';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { costPerMillion, countAwsCalls, LOCAL_LOOP_ONLY, type CallCounts, type Invocations } from './awsCalls';
import { writeResultSection } from './results';
import { recordTargets } from './targets';
import { countLines, isPublished, linesIn, runServerlessLoop } from './serverlessLoop';

const ROWS = Number(process.env.ADF_BENCH_ROWS ?? 400_000);
const ROUNDS = Number(process.env.ADF_BENCH_ROUNDS ?? 3);
const MEMORY_MB = Number(process.env.ADF_BENCH_MEMORY_MB ?? 1024);
const BACKEND = (process.env.ADF_BENCH_DYNAMODB ?? 'dynamodb-local') as DynamoDbBackend;
const BATCH_SIZE = 5_000; // ADF_BATCH_SIZE's default, as serverless.yml deploys it
const RATIO_TARGET = 0.8;
const dataDir = join(__dirname, 'data', 'serverless');

interface Run {
  readonly records: number;
  readonly seconds: number;
  readonly counts?: CallCounts;
  readonly invocations?: Invocations;
}

const rate = (r: Run) => r.records / r.seconds;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const medianRun = (runs: Run[]) => runs.find((r) => rate(r) === median(runs.map(rate)))!;

/** CSV rows i ∈ [from, to), shaped like bench/generateCsv.ts's, with its header. */
async function writeRows(path: string, from: number, to: number): Promise<void> {
  if (existsSync(path)) return;
  const out = createWriteStream(path);
  out.write('id,customer,sku,qty,price,city,created_at,comment\n');
  for (let i = from; i < to; ) {
    let chunk = '';
    for (const end = Math.min(to, i + 2000); i < end; i++) {
      chunk += `${i},customer-${i % 9973},SKU-${i % 503},${1 + (i % 9)},${((i * 37) % 100000) / 100},City ${i % 211},2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z,"note ${i % 17}, fine"\n`;
    }
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** The same ROWS as `files` files in `dir`. */
async function writeFiles(dir: string, files: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const per = Math.ceil(ROWS / files);
  for (let f = 0; f < files; f++) await writeRows(join(dir, `part-${String(f).padStart(3, '0')}.csv`), f * per, Math.min(ROWS, (f + 1) * per));
  return dir;
}

async function embedded(path: string, name: string): Promise<Run> {
  const out = join(dataDir, 'out', name);
  rmSync(out, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const summary = await runEmbedded(
    { kind: 'options', options: { name, source: 'file', path, format: 'csv', sink: 'jsonl', out } },
    { parallelism: 1, fresh: true, progress: false, stateDir: join(dataDir, 'state', name), log: () => undefined },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { records: summary.records, seconds };
}

/** Local CSV → local JSON Lines through the serverless loop. */
async function serverless(path: string, name: string, shared: { queueUrl: string; dlqUrl: string }, calls: ReturnType<typeof countAwsCalls>): Promise<Run> {
  const out = join(dataDir, 'out', name);
  rmSync(out, { recursive: true, force: true });
  const run = await runServerlessLoop(name, { source: 'file', path, format: 'csv', sink: 'jsonl', out, deadLetter: join(out, 'dead-letter') }, shared, calls);
  return { records: linesIn(out), ...run };
}

/** The same CSV from S3 to JSON Lines objects on S3 (fauxqs), as the default stack runs: what the S3 calls cost. */
async function serverlessS3(file: string, s3: S3Client, bucket: string, shared: { queueUrl: string; dlqUrl: string }, calls: ReturnType<typeof countAwsCalls>): Promise<Run> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/one.csv', Body: readFileSync(file) }));
  const out = `out-${Date.now()}/`;
  const run = await runServerlessLoop('s3', { source: 'file', path: `s3://${bucket}/incoming/`, format: 'csv', sink: 's3', out: `s3://${bucket}/${out}`, deadLetter: `s3://${bucket}/dead-letter/` }, shared, calls);
  let records = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: out, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (!isPublished(o.Key!.slice(out.length).split('/'))) continue;
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
      records += countLines(await body.Body!.transformToString());
    }
    token = page.NextContinuationToken;
  } while (token);
  return { records, ...run };
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);
/** Batches of a one-file run (one split: the files are under the 64 MB split size). */
const batchesOf = (r: Run) => Math.ceil(r.records / BATCH_SIZE);

/** Calls per batch of each run side by side (local files, and S3 → S3 when it ran). */
function callTable(local: Run, s3: Run | undefined): string {
  const keys = [...new Set([...local.counts!.calls.keys(), ...(s3?.counts!.calls.keys() ?? [])])].sort();
  const cell = (r: Run | undefined, key: string) => (r ? fmt((r.counts!.calls.get(key) ?? 0) / batchesOf(r)) : '–');
  const rows = keys.map((key) => `| ${key}${LOCAL_LOOP_ONLY.has(key) ? ' (local loop only, not priced)' : ''} | ${cell(local, key)} | ${cell(s3, key)} |`);
  return ['| call | per batch, local files | per batch, S3 → S3 |', '|---|---|---|', ...rows].join('\n');
}

async function main(): Promise<void> {
  process.stderr.write(`writing ${ROWS} rows as 1, 10 and 100 CSV files under ${dataDir} (kept for later runs)…\n`);
  const one = join(await writeFiles(join(dataDir, `one-${ROWS}`), 1), 'part-000.csv');
  const large = await writeFiles(join(dataDir, `ten-${ROWS}`), 10);
  const small = await writeFiles(join(dataDir, `hundred-${ROWS}`), 100);
  const warm = join(await writeFiles(join(dataDir, 'warm-up'), 1), 'part-000.csv');
  if (!existsSync(warm) || statSync(warm).size === 0) throw new Error('no warm-up file');

  const emulators = await startEmulators({ dynamodb: BACKEND });
  const calls = countAwsCalls(); // before any client is built: the shared clients are counted too
  const setup = createAwsClients({ region: emulators.region, endpoints: emulators.endpoints, credentials: emulators.credentials });
  try {
    const names = { tableName: 'bench-splits', queueName: 'bench-splits', dlqName: 'bench-splits-dlq', bucket: 'bench-serverless' };
    const shared = await ensureResources(setup, names);
    Object.assign(process.env, emulators.environment, {
      ADF_SPLIT_TABLE: names.tableName, ADF_SPLIT_QUEUE_URL: shared.queueUrl, ADF_DLQ_URL: shared.dlqUrl,
      ADF_ALLOW_LOCAL_SINKS: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
    });
    const queues = { queueUrl: shared.queueUrl, dlqUrl: shared.dlqUrl };
    process.stderr.write('warm-up (JIT of both runtimes and of the emulators)…\n');
    await embedded(warm, 'warm-embedded');
    await serverless(warm, 'warm-serverless', queues, calls);

    const runs = { embedded: [] as Run[], serverless: [] as Run[], large: [] as Run[], small: [] as Run[] };
    const loads: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      loads.push(loadavg()[0]!);
      // Alternated: odd rounds start with the serverless loop, even ones with embedded.
      const pair = [async () => runs.serverless.push(await serverless(one, 'one-file', queues, calls)), async () => runs.embedded.push(await embedded(one, 'embedded'))];
      for (const step of round % 2 === 1 ? pair : pair.reverse()) await step();
      const files = [async () => runs.small.push(await serverless(small, 'hundred-files', queues, calls)), async () => runs.large.push(await serverless(large, 'ten-files', queues, calls))];
      for (const step of round % 2 === 1 ? files : files.reverse()) await step();
      const last = (k: keyof typeof runs) => Math.round(rate(runs[k].at(-1)!));
      process.stderr.write(`round ${round} (load ${fmt(loads.at(-1)!)}): embedded ${last('embedded')} rec/s · serverless ${last('serverless')} · 100 files ${last('small')} · 10 files ${last('large')}\n`);
    }
    for (const [k, rs] of Object.entries(runs)) for (const r of rs) if (r.records !== ROWS) throw new Error(`${k}: ${r.records} records written, expected ${ROWS}`);
    // One of the ten files: fauxqs takes no larger object in one PutObject (HTTP 413).
    let s3: Run | string = 'skipped: ADF_BENCH_S3=0';
    if (process.env.ADF_BENCH_S3 !== '0') {
      try {
        s3 = await serverlessS3(join(large, 'part-000.csv'), setup.s3, names.bucket, queues, calls);
        if (s3.records !== Math.ceil(ROWS / 10)) throw new Error(`${s3.records} records written, expected ${Math.ceil(ROWS / 10)}`);
        process.stderr.write(`S3 → S3: ${Math.round(rate(s3))} rec/s\n`);
      } catch (error) {
        s3 = `failed: ${(error as Error).message}`; // reported; the local figures still count
        process.stderr.write(`S3 → S3 run ${s3}\n`);
      }
    }
    report(runs, s3, loads);
  } finally {
    calls.stop();
    setup.destroy();
    await emulators.stop();
  }
}

function report(runs: Record<'embedded' | 'serverless' | 'large' | 'small', Run[]>, s3OrWhy: Run | string, loads: number[]): void {
  const s3 = typeof s3OrWhy === 'string' ? undefined : s3OrWhy;
  const [e, s, l, m] = [medianRun(runs.embedded), medianRun(runs.serverless), medianRun(runs.large), medianRun(runs.small)];
  const ratio = median(runs.serverless.map(rate)) / median(runs.embedded.map(rate));
  const smallOverLarge = median(runs.small.map(rate)) / median(runs.large.map(rate));
  const batches = Math.ceil(ROWS / BATCH_SIZE);
  const usd = (n: number) => `$${n.toFixed(4)}`;
  const costRow = (what: string, r: Run) => {
    const c = costPerMillion(r.counts!, r.invocations!, MEMORY_MB, r.records);
    return `| ${what} | ${usd(c.lambda)} | ${usd(c.sqs)} | ${usd(c.dynamodb)} | ${usd(c.s3)} | **${usd(c.total)}** |`;
  };
  const units = (r: Run) => `${fmt(r.counts!.writeUnits / batchesOf(r))} write, ${fmt(r.counts!.readUnits / batchesOf(r))} read${r.counts!.estimatedUnits > 0 ? ` (${r.counts!.estimatedUnits} calls reported none, counted as 1 unit each)` : ''}`;
  const lambda = (r: Run) => `${r.invocations!.count} invocations, ${fmt(r.invocations!.durationMs / 1000, 1)} s`;
  const markdown = `## Serverless loop (\`adf dev --once\`) against embedded \`adf run\`

Written by \`npm run bench:serverless\` on ${new Date().toISOString()} · ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} · Node ${process.version} · load average ${loads.map((x) => fmt(x)).join(', ')} at the start of each round.
One CSV of ${ROWS} rows → JSON Lines on local disk; the serverless loop runs the three functions in this process
against ${BACKEND === 'dynamodb-local' ? 'DynamoDB Local' : 'dynalite'} and fauxqs (SQS), ${BATCH_SIZE} records per batch, ${DEV_DEFAULTS.messagesPerInvocation} message(s) per invocation, ${DEV_DEFAULTS.readerTimeoutMs / 1000} s reader timeout.
${ROUNDS} alternated rounds after a warm-up; each figure is the median.

| run | records | seconds | records/s | ratio |
|---|---|---|---|---|
| embedded \`adf run\`, 1 reader (baseline) | ${e.records} | ${fmt(e.seconds)} | ${Math.round(rate(e))} | 1.00 |
| serverless loop, same file | ${s.records} | ${fmt(s.seconds)} | ${Math.round(rate(s))} | **${fmt(ratio)}** (target ≥ ${RATIO_TARGET}) |
| serverless loop, 10 files of ${ROWS / 10} rows | ${l.records} | ${fmt(l.seconds)} | ${Math.round(rate(l))} | ${fmt(rate(l) / rate(e))} |
| serverless loop, 100 files of ${ROWS / 100} rows | ${m.records} | ${fmt(m.seconds)} | ${Math.round(rate(m))} | ${fmt(rate(m) / rate(e))} |

100 small files ÷ 10 large ones with the same rows, on the serverless loop: **${fmt(smallOverLarge)}×** (no target;
above 1 means per-split work, not per-batch coordination, dominates).

AWS calls per batch (${BATCH_SIZE} records) of the median one-file run (${batches} batches), and of one run of a
${Math.ceil(ROWS / 10)}-row CSV (one of the ten files: fauxqs takes no larger object in one PUT) from S3 to JSON Lines objects
on S3, as the default stack runs${s3 ? ` (${batchesOf(s3)} batches, ${Math.round(rate(s3))} records/s)` : ` (${s3OrWhy})`}; counted by an SDK middleware on every
client, including the local event loop's SQS polling, which Lambda's event source mapping also makes and bills:

${callTable(s, s3)}

DynamoDB units per batch (ReturnConsumedCapacity=TOTAL, indexes included): ${units(s)}${s3 ? ` (S3 → S3: ${units(s3)})` : ''}.
Lambda: ${lambda(s)}${s3 ? ` (S3 → S3: ${lambda(s3)})` : ''} at ${MEMORY_MB} MB; local durations stand in for Lambda's.

Cost per 1M records at us-east-1 list prices (Lambda $0.20/1M requests + arm64 $0.0000133334/GB-s; SQS $0.40/1M;
DynamoDB on-demand $0.625/1M write, $0.125/1M read units; S3 PUT/COPY/LIST $0.005/1k, GET/HEAD $0.0004/1k):

| run | Lambda | SQS | DynamoDB | S3 | total |
|---|---|---|---|---|---|
${costRow('local CSV → local JSON Lines', s)}
${s3 ? costRow(`S3 CSV → S3 JSON Lines (${s3.records} rows)`, s3) : ''}
`;
  writeResultSection('serverless', markdown);
  recordTargets([{ bench: 'serverless', figure: 'serverless loop ÷ embedded adf run, records/s, one CSV', value: Number(ratio.toFixed(2)), op: '>=', target: RATIO_TARGET, unit: '×' }]);
  process.stdout.write(markdown);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
