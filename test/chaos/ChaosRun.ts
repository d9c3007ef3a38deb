import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients } from '../../lib/aws/clients';
import { startEmulators } from '../../lib/aws/emulators';
import { ensureResources } from '../../lib/aws/resources';
import type { ChaosEvent } from './ChaosFaults';
import { generateInput, putInputObjects, writeInputDir } from './ChaosData';
import type { ChaosOptions } from './ChaosOptions';
import { buildFigures, logSummary, noFaults, type ChaosFigures } from './ChaosReport';
import { checkCounts, deadLetterRid, drainDlq, readOutput, scanTable, sinkRid, type OutputPlace, type RawSplit } from './ChaosVerifier';
import { bundleWorker, ChaosWorkers, type Worker, type WorkerRole } from './ChaosWorkers';
import { SeededRandom } from './SeededRandom';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ChaosResult {
  readonly figures: ChaosFigures;
  /** WARN/ERROR messages of the handlers, by count. */
  readonly logs: Record<string, number>;
  readonly dir: string;
}

/**
 * One chaos run: emulators, resources and input; reader, enumerator and failure-handler
 * processes; the seeded fault schedule until every split is FINISHED or FAILED (or the
 * timeout); then the harness's own check of the sink output, the table and the DLQ.
 */
export async function runChaos(options: ChaosOptions, log: (line: string) => void = () => undefined): Promise<ChaosResult> {
  const started = Date.now();
  const rng = new SeededRandom(options.seed);
  const dir = mkdtempSync(join(tmpdir(), `adf-chaos-${options.seed}-${options.mode}-`));
  const emulators = await startEmulators({ dynamodb: options.dynamodb });
  const aws = createAwsClients({ region: emulators.region, endpoints: emulators.endpoints, credentials: emulators.credentials });
  let workers: ChaosWorkers | undefined;
  try {
    const prefix = `adf-chaos-${options.seed}-${randomBytes(3).toString('hex')}`;
    const visibilityS = Math.ceil(options.readerTimeoutMs / 1000) + 2;
    const names = { tableName: `${prefix}-splits`, queueName: `${prefix}-splits`, dlqName: `${prefix}-dlq`, bucket: `${prefix}-data` };
    const { queueUrl, dlqUrl } = await ensureResources(aws, names, { visibilityTimeoutSeconds: visibilityS });

    const input = generateInput(options.records, options.files, options.badEvery, rng.fork(1));
    const flowName = `chaos-${options.seed}`;
    let flow: Record<string, unknown>;
    let out: OutputPlace;
    let dead: OutputPlace;
    if (options.mode === 'local') {
      writeInputDir(input, join(dir, 'in'));
      flow = { name: flowName, source: 'file', path: join(dir, 'in'), splitSize: options.splitSize, sink: 'jsonl', out: join(dir, 'out'), deadLetter: join(dir, 'dead-letter') };
      out = { dir: join(dir, 'out') };
      dead = { dir: join(dir, 'dead-letter') };
    } else {
      await putInputObjects(input, aws.s3, names.bucket, 'in/');
      const b = `s3://${names.bucket}`;
      flow = { name: flowName, source: 'file', path: `${b}/in/`, splitSize: options.splitSize, sink: 's3', out: `${b}/out/`, deadLetter: `${b}/dead-letter/` };
      out = { s3: aws.s3, bucket: names.bucket, prefix: 'out/' };
      dead = { s3: aws.s3, bucket: names.bucket, prefix: 'dead-letter/' };
    }
    log(`chaos seed ${options.seed} ${options.mode}: ${input.rids.length} records (${input.badRids.length} bad) in ${input.files.size} files, ${(input.bytes / 1e6).toFixed(1)} MB; dir ${dir}`);

    const on = options.faults;
    const leaseMs = options.readerTimeoutMs + options.leaseGraceMs;
    // Long enough for the successor to commit several batches before the stale write lands.
    const pauseMs = leaseMs + 12_000;
    const baseEnv: Record<string, string> = {
      ...emulators.environment,
      ADF_FLOW: JSON.stringify(flow),
      // Local mode writes a local JSONL sink and dead letters: on Lambda only with a mounted file system.
      ADF_ALLOW_LOCAL_SINKS: 'true',
      ADF_SPLIT_TABLE: names.tableName,
      ADF_SPLIT_QUEUE_URL: queueUrl,
      ADF_DLQ_URL: dlqUrl,
      ADF_MAX_ATTEMPTS: String(options.maxAttempts),
      ADF_BATCH_SIZE: String(options.batchSize),
      ADF_TIME_MARGIN_MS: String(options.timeMarginMs),
      ADF_LEASE_GRACE_MS: String(options.leaseGraceMs),
      ADF_ORPHAN_AFTER_MS: String(options.orphanAfterMs),
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CHAOS_DROP_P: String(on.has('drop') ? options.dropProbability : 0),
      CHAOS_DROP_SERVICES: options.dropServices.join(','),
      CHAOS_KILL_POINT_P: String(on.has('killPoint') ? options.killPointProbability : 0),
      CHAOS_PAUSE_MS: String(pauseMs),
      CHAOS_READER_TIMEOUT_MS: String(options.readerTimeoutMs),
      CHAOS_VISIBILITY_S: String(visibilityS),
    };

    const counts = noFaults();
    let stopping = false;
    const onEvent = (w: Worker, e: ChaosEvent) => {
      if (e.e === 'invocation') w.invocations++;
      if (e.e === 'drop') counts.droppedResponses++;
      else if (e.e === 'killPoint') counts.killPoints++;
      else if (e.e === 'sinkPause') {
        if (!e.resumed) counts.sinkPauses++;
        w.paused = !e.resumed;
        log(`  sink pause ${e.resumed ? 'over' : 'begins'} in ${w.role}-${w.id}: ${e.sink} write of ${e.splitId} at sink state ${JSON.stringify(e.sinkState)}`);
      }
      else if (e.e === 'invocation' && e.outcome === 'timeout') counts.readerTimeouts++;
      else if (e.e === 'result' && e.fn === 'failureHandler') {
        const r = e.result as { reclaimed?: number; resent?: number };
        counts.leasesReclaimed += r.reclaimed ?? 0;
        counts.messagesResent += r.resent ?? 0;
      }
    };
    let seq = 0;
    const spawn = (role: WorkerRole, permanent: boolean, env: Record<string, string> = {}) =>
      workers!.spawn(role, permanent, { CHAOS_SEED: String(rng.fork(1000 + seq++).int(1, 2 ** 31)), ...env });
    const scheduledEnv = (role: WorkerRole) => ({ CHAOS_EVERY_MS: String(role === 'enumerator' ? options.enumerateEveryMs : options.failureHandlerEveryMs) });
    const onExit = (w: Worker, signal: NodeJS.Signals | null) => {
      if (stopping) return;
      if (signal === null) counts.workerCrashes += w.permanent ? 1 : 0;
      // A killed permanent worker comes back, as Lambda starts a new container.
      if (w.permanent) setTimeout(() => !stopping && spawn(w.role, true, w.role === 'reader' ? {} : scheduledEnv(w.role)), rng.int(100, 800));
    };
    const t0 = options.targets;
    workers = new ChaosWorkers(await bundleWorker(dir), baseEnv, join(dir, 'logs'), onEvent, onExit);
    // Some first readers start armed for a sink pause: most splits have their first write early on.
    // Leave two readers unpaused where there are four or more: kills need readers at work.
    const armed = on.has('sinkPause') ? Math.min(options.readers - (options.readers >= 4 ? 2 : 1), t0.sinkPauses) : 0;
    for (let i = 0; i < options.readers; i++) spawn('reader', true, i < armed ? { CHAOS_PAUSE_ARMED: '1' } : {});
    spawn('enumerator', true, scheduledEnv('enumerator'));
    spawn('failureHandler', true, scheduledEnv('failureHandler'));

    // The table as last scanned: the schedule picks duplicate targets from it.
    let rows: RawSplit[] = [];
    let firstRowsAt = 0;
    let done = false;
    const t = options.targets;
    const faultsLeft = () =>
      (on.has('kill') && counts.kills < t.kills) || (on.has('zombie') && counts.zombies < t.zombies) || (on.has('sinkPause') && counts.sinkPauses < t.sinkPauses);
    // Paced by progress: on a fast machine the work would end before the fault targets are met,
    // so the mean wait shrinks to fit the remaining targets into the first 40 % of the remaining work.
    const remainingWorkMs = () => {
      const committed = rows.reduce((sum, r) => sum + r.records, 0);
      if (committed === 0 || firstRowsAt === 0) return Infinity;
      const rate = committed / (Date.now() - firstRowsAt);
      return Math.max(0, input.rids.length - committed) / rate;
    };
    const loop = async (enabled: boolean, meanMs: number, left: () => number, inject: () => void | Promise<void>) => {
      while (enabled && !done && left() > 0) {
        const paced = Math.min(meanMs, (0.4 * remainingWorkMs()) / left());
        await sleep(Math.max(100, rng.exp(paced)));
        if (!done) await inject();
      }
    };
    // Only readers at work: killing one that is still booting (several seconds under tsx) proves nothing.
    const liveReaders = () => workers!.live('reader', (w) => !w.stopped && !w.paused && w.invocations > 0);
    // Faults start once there is work (the first split rows), not while processes boot.
    const work = (async () => {
      while (!done && rows.length === 0) await sleep(200);
    })();
    const schedule = work.then(() => Promise.all([
      loop(on.has('kill'), options.killEveryMs, () => t.kills - counts.kills, () => {
        // Leave at least two readers at work, or the run only ever boots readers.
        const readers = liveReaders();
        const victim = readers.length >= Math.min(2, options.readers) ? rng.pick(readers) : undefined;
        if (victim && workers!.signal(victim, 'SIGKILL')) counts.kills++;
      }),
      loop(on.has('zombie'), options.zombieEveryMs, () => t.zombies - counts.zombies, () => {
        const readers = liveReaders();
        const victim = readers.length > 1 ? rng.pick(readers) : undefined;
        if (!victim) return;
        workers!.stop(victim);
        counts.zombies++;
        setTimeout(() => workers!.resume(victim), leaseMs + rng.int(1_000, 12_000));
      }),
      loop(on.has('sinkPause'), options.pauseEveryMs, () => t.sinkPauses - counts.sinkPauses, () => {
        const victim = rng.pick(liveReaders());
        if (victim) workers!.signal(victim, 'SIGUSR2');
      }),
      loop(on.has('duplicate'), options.duplicateEveryMs, () => t.duplicates - counts.duplicateMessages, async () => {
        const row = rng.pick(rows.filter((r) => r.status === 'PENDING' || r.status === 'ASSIGNED' || rng.chance(0.05)));
        if (!row) return;
        const token = rng.chance(0.3) ? Math.max(0, row.leaseToken - 1) : row.leaseToken;
        const delay = rng.chance(0.3) ? rng.int(1, 5) : 0;
        await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ flow: flowName, splitId: row.splitId, token }), DelaySeconds: delay }));
        counts.duplicateMessages++;
      }),
      loop(on.has('enumerators') || on.has('failureHandlers'), options.helperEveryMs, () => Math.max(0, t.extraEnumerators - counts.extraEnumerators) + Math.max(0, t.extraFailureHandlers - counts.extraFailureHandlers), () => {
        const role: WorkerRole = on.has('enumerators') && (!on.has('failureHandlers') || rng.chance(0.5)) ? 'enumerator' : 'failureHandler';
        const extra = spawn(role, false, { CHAOS_EVERY_MS: '300', CHAOS_ITERATIONS: String(rng.int(1, 3)) });
        if (role === 'enumerator') counts.extraEnumerators++;
        else counts.extraFailureHandlers++;
        // Kill some mid-run: extras, and now and then the permanent one (it comes back).
        if (rng.chance(0.5)) {
          const victim = rng.chance(0.7) ? extra : rng.pick(workers!.live(role, (w) => w.permanent));
          setTimeout(() => victim && workers!.signal(victim, 'SIGKILL') && counts.helperKills++, rng.int(500, 4_000));
        }
      }),
    ]));

    // Watch the table until every split is terminal and discovery is done, then let zombies
    // and paused writers finish what they were doing and look again.
    const deadline = started + options.timeoutMs;
    let settled = false;
    let lastProgress = '';
    let lastLogged = 0;
    while (Date.now() < deadline) {
      const table = await scanTable(aws.dynamodb, names.tableName, flowName).catch(() => undefined);
      if (table) {
        rows = table.splits;
        if (firstRowsAt === 0 && rows.length > 0) firstRowsAt = Date.now();
        const open = rows.filter((r) => r.status !== 'FINISHED' && r.status !== 'FAILED').length;
        const progress = `${rows.length - open}/${rows.length} splits done, kills ${counts.kills}, zombies ${counts.zombies}, pauses ${counts.sinkPauses}, drops ${counts.droppedResponses}, dups ${counts.duplicateMessages}`;
        // A progress line every 10 s at most (and when something changed).
        if (progress !== lastProgress && Date.now() - lastLogged >= 10_000) {
          log(`  ${Math.round((Date.now() - started) / 1000)}s ${progress}`);
          lastProgress = progress;
          lastLogged = Date.now();
        }
        if (rows.length > 0 && open === 0 && table.enumerator?.noMoreSplits) {
          if (done) {
            settled = true;
            break;
          }
          done = true;
          workers.resumeAll();
          await sleep(pauseMs + 1_500);
          continue;
        }
        if (done) done = false; // a late writer reopened something: keep going
      }
      await sleep(1_000);
    }
    done = true;
    if (faultsLeft()) log('  fault targets not reached before the work was done');
    stopping = true;
    workers.resumeAll();
    await workers.killAll();
    await schedule;

    const output = await readOutput(out, sinkRid);
    const deadLetters = await readOutput(dead, deadLetterRid);
    const table = await scanTable(aws.dynamodb, names.tableName, flowName);
    const dlq = await drainDlq(aws.sqs, dlqUrl);
    const figures = buildFigures(
      options,
      counts,
      { output, records: checkCounts(input.rids, output), deadLetters, bad: checkCounts(input.badRids, deadLetters), table, dlq },
      settled,
      Date.now() - started,
    );
    return { figures, logs: logSummary(join(dir, 'logs')), dir };
  } finally {
    await workers?.killAll();
    aws.destroy();
    await emulators.stop();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}
