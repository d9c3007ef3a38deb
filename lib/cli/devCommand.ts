import { resolve } from 'node:path';
import { endpointFromEnv, type AwsService } from '../aws/config';
import { ConfigError } from '../errors';
import type { FlowOptions } from '../flow/FlowRef';
import type { InvocationRecord, LocalEventLoopStats } from '../runtime/local';
import { DEV_HELP } from './help';
import { collectStatus } from './statusCommand';
import { assertNoFlowFlags, FLOW_FLAG_OPTIONS, flowOptionsFromFlags } from './flowFlags';
import { parseCommandArgs } from './parseCommandArgs';

/** `adf dev` as parsed: the flow (undefined: ADF_FLOW from the environment) and the loop's settings. */
export interface DevCommand {
  readonly flow?: FlowOptions;
  readonly enumerateEveryMs: number;
  readonly failureHandlerEveryMs: number;
  /** SQS messages per reader invocation (1-10); `--batch-size` is records per batch, as in adf run. */
  readonly messagesPerInvocation: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly readerTimeoutMs: number;
  /** Enumerate once, drain the queue, run the failure handler once, exit. */
  readonly once: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly help: boolean;
  /**
   * per-flow: a split queue (and DLQ) of the flow's own, created next to ADF_SPLIT_QUEUE_URL;
   * shared: that queue as it is. Undefined: per-flow against an emulator (AWS_ENDPOINT_URL_SQS
   * set, where every flow would share `npm run local:aws`'s one queue), shared on AWS.
   */
  readonly queue?: 'per-flow' | 'shared';
}

/** The defaults of `adf dev`, matching serverless.yml's (messagesPerInvocation, readerTimeout) where they overlap. */
export const DEV_DEFAULTS = {
  enumerateEveryMs: 60_000,
  failureHandlerEveryMs: 30_000,
  messagesPerInvocation: 1,
  readerTimeoutMs: 120_000,
  drainTimeoutMs: 30 * 60_000,
} as const;

const OPTIONS = {
  'flow-json': { type: 'string' },
  ...FLOW_FLAG_OPTIONS,
  'enumerate-every': { type: 'string' }, 'failure-handler-every': { type: 'string' },
  'messages-per-invocation': { type: 'string' }, 'visibility-timeout': { type: 'string' }, 'reader-timeout': { type: 'string' },
  queue: { type: 'string' },
  once: { type: 'boolean' }, quiet: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `60s`, `2m`, `500ms`, `1h`, a bare number of seconds, or `off` (0). */
export function parseDuration(flag: string, value: string): number {
  if (value === 'off') return 0;
  const match = DURATION.exec(value.trim());
  if (!match) throw new ConfigError(`--${flag} must be a duration such as 30s, 5m, 500ms or off (got "${value}")`, { context: { field: flag } });
  return Math.round(Number(match[1]) * UNIT_MS[(match[2] ?? 's') as keyof typeof UNIT_MS]);
}

function intFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new ConfigError(`--${flag} must be a whole number (got "${value}")`, { context: { field: flag } });
  if (n < min || n > max) throw new ConfigError(`--${flag} must be between ${min} and ${max} (got "${value}")`, { context: { field: flag } });
  return n;
}

/** Parses `adf dev` arguments; every mistake is a ConfigError naming the flag. */
export function parseDevArgs(args: string[]): DevCommand {
  const v = parseCommandArgs('dev', { args, options: OPTIONS, allowPositionals: false }).values;
  let flow: FlowOptions | undefined;
  if (v['flow-json'] !== undefined) {
    assertNoFlowFlags(v, '--flow-json');
    try {
      flow = JSON.parse(v['flow-json']) as FlowOptions;
    } catch (e) {
      throw new ConfigError(`--flow-json must be JSON: ${(e as Error).message}`, { context: { field: 'flow-json' } });
    }
    if (typeof flow !== 'object' || flow === null || Array.isArray(flow)) throw new ConfigError('--flow-json must be a JSON object of flow options', { context: { field: 'flow-json' } });
  } else if (v.source !== undefined) {
    // The same flags, checks and default name as adf run. ADF_FLOW is JSON: unset options are left out rather than written as nulls.
    flow = Object.fromEntries(Object.entries(flowOptionsFromFlags(v)).filter(([, value]) => value !== undefined)) as FlowOptions;
  } else {
    assertNoFlowFlags(v, 'ADF_FLOW (no --source given)');
  }
  const readerTimeoutS = intFlag('reader-timeout', v['reader-timeout'], 1, 900);
  const queue = v.queue;
  if (queue !== undefined && queue !== 'per-flow' && queue !== 'shared') throw new ConfigError(`--queue must be per-flow or shared (got "${queue}")`, { context: { field: 'queue' } });
  return {
    flow,
    enumerateEveryMs: v['enumerate-every'] === undefined ? DEV_DEFAULTS.enumerateEveryMs : parseDuration('enumerate-every', v['enumerate-every']),
    failureHandlerEveryMs:
      v['failure-handler-every'] === undefined ? DEV_DEFAULTS.failureHandlerEveryMs : parseDuration('failure-handler-every', v['failure-handler-every']),
    messagesPerInvocation: intFlag('messages-per-invocation', v['messages-per-invocation'], 1, 10) ?? DEV_DEFAULTS.messagesPerInvocation,
    visibilityTimeoutSeconds: intFlag('visibility-timeout', v['visibility-timeout'], 0, 43_200),
    readerTimeoutMs: readerTimeoutS === undefined ? DEV_DEFAULTS.readerTimeoutMs : readerTimeoutS * 1000,
    once: v.once ?? false,
    quiet: v.quiet ?? false,
    verbose: v.verbose ?? false,
    help: v.help ?? false,
    ...(queue === undefined ? {} : { queue }),
  };
}

/** One progress line for an invocation (stderr), or undefined for a quiet one. */
export function formatInvocation(record: InvocationRecord, verbose = false): string | undefined {
  const head = `${record.function.padEnd(14)} ${record.outcome.padEnd(7)} ${formatMs(record.durationMs).padStart(7)}`;
  if (record.outcome !== 'ok') return `${head}  ${record.error?.message ?? ''}`;
  if (record.function === 'reader') return `${head}  messages=${record.messages} deleted=${record.deleted} retried=${record.retried}`;
  const result = (record.result ?? {}) as Record<string, unknown>;
  const fields = Object.entries(result).filter(([, value]) => typeof value === 'number' || typeof value === 'boolean');
  // A failure handler with nothing to do runs every 30 s: say nothing unless asked.
  if (record.function === 'failureHandler' && !verbose && fields.every(([, value]) => value === 0)) return undefined;
  return `${head}  ${fields.map(([key, value]) => `${key}=${String(value)}`).join(' ')}`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export function formatDevSummary(stats: LocalEventLoopStats): string {
  const { invocations: i } = stats;
  return (
    `invocations: enumerator ${i.enumerator}, reader ${i.reader}, failure handler ${i.failureHandler}; ` +
    `messages: received ${stats.messagesReceived}, deleted ${stats.messagesDeleted}, retried ${stats.messagesRetried}; ` +
    `errors ${stats.errors}, timeouts ${stats.timeouts}`
  );
}

/**
 * `adf dev`: the three functions in this process against the AWS endpoints in the environment
 * (`npm run local:aws` prints them), until Ctrl-C. The functions' own output (JSON logs) goes
 * to stdout as it would to CloudWatch; the loop's progress goes to stderr.
 */
export async function devCommand(args: string[]): Promise<number> {
  const cmd = parseDevArgs(args);
  if (cmd.help) {
    process.stdout.write(DEV_HELP);
    return 0;
  }
  if (cmd.flow) process.env.ADF_FLOW = JSON.stringify(cmd.flow);
  if (process.env.ADF_FLOW === undefined) throw new ConfigError('adf dev needs a flow: --flow-json, --source …, or ADF_FLOW in the environment (see adf dev --help)');
  const flow = devFlow(parseFlowEnv(process.env.ADF_FLOW));
  process.env.ADF_FLOW = JSON.stringify(flow);
  // EMF metric lines would drown the logs; an explicit setting wins. Set before the handlers load.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  // The functions run on this machine, whose disk lasts: local JSONL sinks and dead letters are fine here.
  process.env.ADF_ALLOW_LOCAL_SINKS ??= 'true';
  if (cmd.verbose) process.env.POWERTOOLS_LOG_LEVEL ??= 'DEBUG';

  // Loaded now, not with the CLI: Powertools reads the environment set above when its modules load.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { serverlessConfigFromEnv } = require('../runtime/serverless/ServerlessConfig') as typeof import('../runtime/serverless/ServerlessConfig');
  const { createEnumeratorHandler, createReaderHandler, createFailureHandler } = require('../runtime/serverless/handlers') as typeof import('../runtime/serverless/handlers');
  const { resetContainerDeps } = require('../runtime/serverless/containerDeps') as typeof import('../runtime/serverless/containerDeps');
  const { sharedSqsClient } = require('../aws/sqsClient') as typeof import('../aws/sqsClient');
  const { LocalEventLoop, ensureFlowQueues } = require('../runtime/local') as typeof import('../runtime/local');
  /* eslint-enable @typescript-eslint/no-require-imports */

  let config = serverlessConfigFromEnv(); // fails fast, naming the missing variable
  if ((cmd.queue ?? (endpointFromEnv('sqs') === undefined ? 'shared' : 'per-flow')) === 'per-flow') {
    // Before the handlers build their container: they read the queue URLs from the environment.
    const visibility = cmd.visibilityTimeoutSeconds ?? Math.ceil(cmd.readerTimeoutMs / 1000) * 6;
    const own = await ensureFlowQueues(sharedSqsClient(), config, config.flow.name as string, visibility); // checked by serverlessConfigFromEnv
    process.env.ADF_SPLIT_QUEUE_URL = own.queueUrl;
    process.env.ADF_DLQ_URL = own.dlqUrl;
    config = serverlessConfigFromEnv();
  }
  resetContainerDeps();
  const err = (line: string) => void process.stderr.write(`[adf dev] ${line}\n`);
  const target = ['sqs', 'dynamodb', 's3'].map((s) => `${s}=${endpointFromEnv(s as AwsService) ?? 'AWS'}`).join(' ');
  err(`flow ${config.flow.name} · table ${config.tableName} · queue ${config.queueUrl} · DLQ ${config.dlqUrl} · ${target}`);
  err(`bad records go to ${String(flow.deadLetter)}`);
  /** The flow's records and bad records so far, from its split rows: what the readers committed. */
  const badRecordReport = async () => {
    const { DynamoSplitStore } = require('../coordination/DynamoSplitStore') as typeof import('../coordination/DynamoSplitStore'); // eslint-disable-line @typescript-eslint/no-require-imports
    const { sharedDocumentClient } = require('../aws/dynamoDbClient') as typeof import('../aws/dynamoDbClient'); // eslint-disable-line @typescript-eslint/no-require-imports
    const store = new DynamoSplitStore({ client: sharedDocumentClient(), tableName: config.tableName, flow: String(config.flow.name) });
    const { records, badRecords } = await collectStatus(store, String(config.flow.name), config.tableName);
    return { records, badRecords, deadLetter: String(flow.deadLetter) };
  };

  const loop = new LocalEventLoop({
    handlers: { enumerator: createEnumeratorHandler(), reader: createReaderHandler(), failureHandler: createFailureHandler() },
    sqs: sharedSqsClient(),
    queueUrl: config.queueUrl,
    batchSize: cmd.messagesPerInvocation,
    visibilityTimeoutSeconds: cmd.visibilityTimeoutSeconds,
    readerTimeoutMs: cmd.readerTimeoutMs,
    enumerateEveryMs: cmd.enumerateEveryMs,
    failureHandlerEveryMs: cmd.failureHandlerEveryMs,
    waitTimeSeconds: cmd.once ? 1 : undefined,
    log: err,
    onInvocation: (record) => {
      const line = cmd.quiet && record.outcome === 'ok' ? undefined : formatInvocation(record, cmd.verbose);
      if (line !== undefined) err(line);
    },
  });

  if (cmd.once) {
    await loop.invokeEnumerator();
    await loop.drain({ timeoutMs: DEV_DEFAULTS.drainTimeoutMs });
    await loop.invokeFailureHandler();
    const stats = await loop.stop();
    const bad = await badRecordReport();
    if (bad.badRecords > 0) err(`${bad.badRecords} bad record(s) written to ${bad.deadLetter}`);
    process.stdout.write(`${JSON.stringify({ ...stats, ...bad })}\n`);
    return stats.errors + stats.timeouts > 0 || bad.badRecords > 0 ? 1 : 0;
  }

  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    err('stopping: waiting for running invocations (Ctrl-C again to stop at once)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  err(`running: enumerator ${every(cmd.enumerateEveryMs)}, failure handler ${every(cmd.failureHandlerEveryMs)}, up to ${cmd.messagesPerInvocation} message(s) per reader invocation; Ctrl-C to stop`);
  try {
    const stats = await loop.runUntil(controller.signal);
    err(formatDevSummary(stats));
    const bad = await badRecordReport();
    err(`records ${bad.records}, bad records ${bad.badRecords}${bad.badRecords > 0 ? ` (in ${bad.deadLetter})` : ''}`);
    return bad.badRecords > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parseFlowEnv(raw: string): FlowOptions {
  try {
    return JSON.parse(raw) as FlowOptions;
  } catch (e) {
    throw new ConfigError(`ADF_FLOW must be JSON: ${(e as Error).message}`, { context: { field: 'ADF_FLOW' } });
  }
}

/**
 * The flow as `adf dev` runs it: named like adf run names it (`<source>-to-<sink>`), and its
 * bad records in a directory of its own, `.adf/<flow>/dead-letter` as with adf run, rather
 * than a directory in /tmp shared by every flow.
 */
export function devFlow(flow: FlowOptions, cwd = process.cwd()): FlowOptions {
  const name = flow.name ?? `${flow.source}-to-${flow.sink}`;
  const deadLetter = typeof flow.deadLetter === 'string' && flow.deadLetter !== '' ? flow.deadLetter : resolve(cwd, '.adf', name, 'dead-letter');
  return { ...flow, name, deadLetter };
}

function every(ms: number): string {
  return ms === 0 ? 'off' : `every ${formatMs(ms)}`;
}
