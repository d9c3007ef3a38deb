/**
 * One `adf dev --once` run in this process, as devCommand runs it (enumerate, drain, failure
 * handler, with the flow's own queues and adf dev's defaults), for bench/serverless.bench.ts:
 * in process so that the AWS call counter (bench/awsCalls.ts) sees the functions' clients.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DEV_DEFAULTS } from '../lib/cli/devCommand';
import type * as SqsClientModule from '../lib/aws/sqsClient';
import type * as Local from '../lib/runtime/local';
import type * as Serverless from '../lib/runtime/serverless';
import type { CallCounts, countAwsCalls, Invocations } from './awsCalls';

export interface LoopRun {
  readonly seconds: number;
  readonly counts: CallCounts;
  readonly invocations: Invocations;
}

let flows = 0;

/**
 * Runs `flow` (ADF_FLOW options without a name) once through the loop. The handlers are loaded
 * on first use: Powertools reads the environment (log level, metrics off) when it loads.
 */
export async function runServerlessLoop(name: string, flow: Record<string, unknown>, shared: { queueUrl: string; dlqUrl: string }, calls: ReturnType<typeof countAwsCalls>): Promise<LoopRun> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { LocalEventLoop, ensureFlowQueues } = require('../lib/runtime/local') as typeof Local;
  const { createEnumeratorHandler, createReaderHandler, createFailureHandler, resetContainerDeps, serverlessConfigFromEnv } = require('../lib/runtime/serverless') as typeof Serverless;
  const { sharedSqsClient } = require('../lib/aws/sqsClient') as typeof SqsClientModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const flowName = `${name}-${process.pid}-${++flows}`; // a new flow each run: fresh split rows, its own queues
  process.env.ADF_FLOW = JSON.stringify({ name: flowName, ...flow });
  const readerTimeoutMs = DEV_DEFAULTS.readerTimeoutMs;
  const own = await ensureFlowQueues(sharedSqsClient(), shared, flowName, (readerTimeoutMs / 1000) * 6);
  Object.assign(process.env, { ADF_SPLIT_QUEUE_URL: own.queueUrl, ADF_DLQ_URL: own.dlqUrl });
  serverlessConfigFromEnv(); // fails fast, naming a missing variable
  resetContainerDeps();
  let invocations = 0;
  let durationMs = 0;
  const loop = new LocalEventLoop({
    handlers: { enumerator: createEnumeratorHandler(), reader: createReaderHandler(), failureHandler: createFailureHandler() },
    sqs: sharedSqsClient(),
    queueUrl: own.queueUrl,
    batchSize: DEV_DEFAULTS.messagesPerInvocation,
    readerTimeoutMs,
    waitTimeSeconds: 1,
    log: (line) => process.stderr.write(`[loop] ${line}\n`),
    onInvocation: (record) => {
      invocations++;
      durationMs += record.durationMs;
      if (record.outcome !== 'ok') process.stderr.write(`[loop] ${record.function} ${record.outcome}: ${record.error?.message}\n`);
    },
  });
  calls.take();
  const started = process.hrtime.bigint();
  await loop.invokeEnumerator();
  await loop.drain({ timeoutMs: DEV_DEFAULTS.drainTimeoutMs });
  await loop.invokeFailureHandler();
  const stats = await loop.stop();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const counts = calls.take();
  if (stats.errors + stats.timeouts > 0) throw new Error(`the serverless loop had ${stats.errors} errors and ${stats.timeouts} timeouts`);
  return { seconds, counts, invocations: { count: invocations, durationMs } };
}

/** Whether a key or path below the output root is published output: staged writes (`.adf-…`) and dead letters are not. */
export function isPublished(inside: string[]): boolean {
  return inside[0] !== 'dead-letter' && !inside.some((part) => part.startsWith('.')) && inside.at(-1)!.endsWith('.jsonl');
}

/** Lines in the published JSON Lines files under `dir`: what a run wrote. */
export function linesIn(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    if (e.isFile() && isPublished(relative(dir, path).split(sep))) n += countLines(readFileSync(path, 'utf8'));
  }
  return n;
}

export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
