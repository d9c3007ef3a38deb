/**
 * One chaos worker process: the real serverless handlers (containerDeps, the handlers the
 * Lambda functions export) with the faults of ChaosFaults.ts installed from the environment.
 *
 * - `reader`: the `adf dev` reader loop (LocalEventLoop: SQS poller → SQSEvent → reader
 *   handler → delete), one poller, until killed. SIGUSR2 makes its next sink write pause.
 * - `enumerator` / `failureHandler`: the handler invoked every CHAOS_EVERY_MS with a
 *   Lambda-like context, CHAOS_ITERATIONS times (0: until killed).
 *
 * Run by ChaosRun, bundled by esbuild (ChaosWorkers.bundleWorker), with the serverless
 * runtime's variables (ADF_FLOW, ADF_SPLIT_TABLE, …, AWS_ENDPOINT_URL_*) and CHAOS_* set.
 */
import { sharedDynamoDbClient } from '../../lib/aws/dynamoDbClient';
import { sharedS3Client } from '../../lib/aws/s3Client';
import { sharedSqsClient } from '../../lib/aws/sqsClient';
import { createLambdaContext } from '../../lib/runtime/local/LambdaContextFactory';
import { LocalEventLoop } from '../../lib/runtime/local/LocalEventLoop';
import { containerDeps } from '../../lib/runtime/serverless/containerDeps';
import { createEnumeratorHandler, createFailureHandler, createReaderHandler } from '../../lib/runtime/serverless/handlers';
import type { ServerlessDeps } from '../../lib/runtime/serverless/ServerlessDeps';
import { emit, faultySinkWriter, installResponseFaults } from './ChaosFaults';
import { SeededRandom } from './SeededRandom';

const env = process.env;
const num = (name: string, fallback: number) => (env[name] === undefined || env[name] === '' ? fallback : Number(env[name]));
const role = env.CHAOS_ROLE ?? 'reader';
const rng = new SeededRandom(num('CHAOS_SEED', 1));
const dropProbability = num('CHAOS_DROP_P', 0);
const killProbability = num('CHAOS_KILL_POINT_P', 0);
const dropServices = (env.CHAOS_DROP_SERVICES ?? 'dynamodb').split(',').filter(Boolean) as ('dynamodb' | 'sqs' | 's3')[];

// Before the first request: the container's clients are the ones the handlers use.
const clients = { dynamodb: sharedDynamoDbClient(), sqs: sharedSqsClient(), s3: sharedS3Client() };
for (const service of ['dynamodb', 'sqs', 's3'] as const) {
  const drops = dropServices.includes(service) ? dropProbability : 0;
  if (drops > 0 || killProbability > 0) installResponseFaults(clients[service], { service, dropProbability: drops, killProbability, rng: rng.fork(service.length) });
}

function chaosDeps(): ServerlessDeps {
  const base = containerDeps();
  // Armed at start (CHAOS_PAUSE_ARMED=1) or later by SIGUSR2: a listener exists only once booted.
  const pause = { pending: env.CHAOS_PAUSE_ARMED === '1', ms: num('CHAOS_PAUSE_MS', 10_000) };
  process.on('SIGUSR2', () => {
    pause.pending = true;
  });
  return {
    ...base,
    sink: faultySinkWriter(base.sink, { name: 'sink', pause, killProbability, rng: rng.fork(101) }),
    deadLetter: faultySinkWriter(base.deadLetter, { name: 'dead-letter', pause, killProbability, rng: rng.fork(102) }),
  };
}

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

async function runReader(deps: ServerlessDeps): Promise<void> {
  const loop = new LocalEventLoop({
    handlers: { reader: createReaderHandler(() => deps) },
    sqs: sharedSqsClient(),
    queueUrl: deps.config.queueUrl,
    batchSize: num('CHAOS_MESSAGES_PER_INVOCATION', 2),
    visibilityTimeoutSeconds: num('CHAOS_VISIBILITY_S', 10),
    readerTimeoutMs: num('CHAOS_READER_TIMEOUT_MS', 5_000),
    enumerateEveryMs: 0,
    failureHandlerEveryMs: 0,
    waitTimeSeconds: 1,
    concurrency: 1,
    log: (line) => process.stderr.write(`[loop] ${line}\n`),
    onInvocation: (r) => emit({ e: 'invocation', fn: r.function, outcome: r.outcome, ...(r.error ? { error: errorText(r.error) } : {}) }),
  });
  const stop = new AbortController();
  process.on('SIGTERM', () => stop.abort());
  emit({ e: 'ready', role });
  await loop.runUntil(stop.signal);
}

async function runScheduled(fn: 'enumerator' | 'failureHandler', deps: ServerlessDeps): Promise<void> {
  const handler = fn === 'enumerator' ? createEnumeratorHandler(() => deps) : createFailureHandler(() => deps);
  const every = num('CHAOS_EVERY_MS', 2_000);
  const iterations = num('CHAOS_ITERATIONS', 0);
  const timeoutMs = num('CHAOS_TIMEOUT_MS', 60_000);
  emit({ e: 'ready', role });
  for (let i = 0; iterations === 0 || i < iterations; i++) {
    const context = createLambdaContext({ functionName: `chaos-${fn}`, timeoutMs, region: env.AWS_REGION ?? 'us-east-1' });
    try {
      const result = await handler({ 'detail-type': 'Scheduled Event' }, context);
      emit({ e: 'result', fn, result });
    } catch (error) {
      emit({ e: 'invocation', fn, outcome: 'error', error: errorText(error) });
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

async function main(): Promise<void> {
  // An orchestrator that died without killing its workers must not leave them running.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && process.exit(0), 1_000).unref();
  const deps = chaosDeps();
  if (role === 'reader') await runReader(deps);
  else if (role === 'enumerator' || role === 'failureHandler') await runScheduled(role, deps);
  else throw new Error(`CHAOS_ROLE must be reader, enumerator or failureHandler (got ${role})`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos worker ${role} crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
