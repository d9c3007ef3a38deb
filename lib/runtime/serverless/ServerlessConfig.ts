import { lazySchema, zod } from '../../util/lazySchema';
import { ConfigError } from '../../errors';
import type { FlowOptions } from '../../flow/FlowRef';

/** Every tunable of the serverless runtime, with its default, in one place. */
export const SERVERLESS_DEFAULTS = {
  maxAttempts: 3,
  batchSize: 5_000,
  batchBytes: 8 * 1024 * 1024,
  /** Stop reading this long before the Lambda's deadline, to leave time to write and commit. */
  timeMarginMs: 10_000,
  /** A lease outlives the invocation's remaining time by this much before others may take over. */
  leaseGraceMs: 30_000,
  /**
   * A caught-up unbounded split is handed on with a delay of 1, 2, 4 … s, at most this: the
   * worst-case latency of an entry that arrives after a quiet spell (docs/ARCHITECTURE.md has
   * the latency-vs-cost table).
   */
  maxIdleDelaySeconds: 10,
  /**
   * A caught-up split keeps waiting for new entries inside the invocation this long (across
   * polls) before it is handed on: a steady stream is read with sub-second latency by one
   * invocation, and a quiet one costs only this much Lambda time per round.
   */
  idleWaitMs: 1_000,
  /**
   * Batches one invocation reads of a split before handing it on; 0: as many as its time
   * allows (each is committed on its own). 1 is the old one-batch-per-message protocol.
   */
  maxBatchesPerInvocation: 0,
  /** A PENDING split untouched this long has lost its message: the failure handler re-sends it. */
  orphanAfterMs: 15 * 60_000,
  maxSplitsPerRun: 100_000,
  finishedTtlDays: 30,
  /** A sink request with no response this long is given up (at most half the lease grace, so a hung write cannot outlive the lease). */
  sinkRequestTimeoutMs: 10_000,
  /** Local JSONL sinks and dead-letter dirs are refused: Lambda's disk does not last (allow for an EFS mount or `adf dev`). */
  allowLocalSinks: false,
} as const;

const int = (name: string, min: number, max: number) =>
  zod().coerce.number({ error: `${name} must be a number` }).int(`${name} must be a whole number`).min(min, `${name} must be between ${min} and ${max}`).max(max, `${name} must be between ${min} and ${max}`);

const EnvSchema = lazySchema((z) => z.object({
  ADF_FLOW: z.string({ error: 'ADF_FLOW is required: the flow as JSON, e.g. {"name":"orders","source":"file","path":"s3://b/in/","sink":"s3","out":"s3://b/out/"}' }),
  ADF_SPLIT_TABLE: z.string({ error: 'ADF_SPLIT_TABLE is required (the split table name)' }).min(3),
  ADF_SPLIT_QUEUE_URL: z.string({ error: 'ADF_SPLIT_QUEUE_URL is required' }).url('ADF_SPLIT_QUEUE_URL must be a URL'),
  ADF_DLQ_URL: z.string({ error: 'ADF_DLQ_URL is required' }).url('ADF_DLQ_URL must be a URL'),
  ADF_MAX_ATTEMPTS: int('ADF_MAX_ATTEMPTS', 1, 100).default(SERVERLESS_DEFAULTS.maxAttempts),
  ADF_BATCH_SIZE: int('ADF_BATCH_SIZE', 1, 1_000_000).default(SERVERLESS_DEFAULTS.batchSize),
  ADF_BATCH_BYTES: int('ADF_BATCH_BYTES', 1024, 1024 ** 3).default(SERVERLESS_DEFAULTS.batchBytes),
  ADF_TIME_MARGIN_MS: int('ADF_TIME_MARGIN_MS', 0, 600_000).default(SERVERLESS_DEFAULTS.timeMarginMs),
  ADF_LEASE_GRACE_MS: int('ADF_LEASE_GRACE_MS', 0, 3_600_000).default(SERVERLESS_DEFAULTS.leaseGraceMs),
  ADF_MAX_IDLE_DELAY_S: int('ADF_MAX_IDLE_DELAY_S', 0, 900).default(SERVERLESS_DEFAULTS.maxIdleDelaySeconds),
  ADF_IDLE_WAIT_MS: int('ADF_IDLE_WAIT_MS', 0, 900_000).default(SERVERLESS_DEFAULTS.idleWaitMs),
  ADF_MAX_BATCHES_PER_INVOCATION: int('ADF_MAX_BATCHES_PER_INVOCATION', 0, 1_000_000).default(SERVERLESS_DEFAULTS.maxBatchesPerInvocation),
  ADF_ORPHAN_AFTER_MS: int('ADF_ORPHAN_AFTER_MS', 1_000, 86_400_000).default(SERVERLESS_DEFAULTS.orphanAfterMs),
  ADF_MAX_SPLITS_PER_RUN: int('ADF_MAX_SPLITS_PER_RUN', 1, 10_000_000).default(SERVERLESS_DEFAULTS.maxSplitsPerRun),
  ADF_FINISHED_TTL_DAYS: int('ADF_FINISHED_TTL_DAYS', 1, 3650).default(SERVERLESS_DEFAULTS.finishedTtlDays),
  ADF_SINK_REQUEST_TIMEOUT_MS: int('ADF_SINK_REQUEST_TIMEOUT_MS', 100, 3_600_000).optional(),
  ADF_ALLOW_LOCAL_SINKS: z.enum(['true', 'false'], { error: "ADF_ALLOW_LOCAL_SINKS must be 'true' or 'false'" }).default('false'),
}));

export interface ServerlessConfig {
  readonly flow: FlowOptions;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly maxAttempts: number;
  readonly batchSize: number;
  readonly batchBytes: number;
  readonly timeMarginMs: number;
  readonly leaseGraceMs: number;
  readonly maxIdleDelaySeconds: number;
  readonly idleWaitMs: number;
  readonly maxBatchesPerInvocation: number;
  readonly orphanAfterMs: number;
  readonly maxSplitsPerRun: number;
  readonly finishedTtlDays: number;
  /** SDK request timeout of the sinks' clients; below the lease grace. */
  readonly sinkRequestTimeoutMs: number;
  /** Allow a `jsonl` sink and a local dead-letter dir (an EFS mount, `adf dev`). */
  readonly allowLocalSinks: boolean;
}

/** Reads and validates the environment once; a bad value names its variable. */
export function serverlessConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ServerlessConfig {
  const parsed = EnvSchema().safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    throw new ConfigError(issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`, { context: { field: name } });
  }
  const e = parsed.data;
  let flow: FlowOptions;
  try {
    flow = JSON.parse(e.ADF_FLOW) as FlowOptions;
  } catch (err) {
    throw new ConfigError(`ADF_FLOW must be JSON: ${(err as Error).message}`, { context: { field: 'ADF_FLOW' } });
  }
  if (typeof flow?.name !== 'string') throw new ConfigError('ADF_FLOW.name is required (it keys the split table)', { context: { field: 'ADF_FLOW.name' } });
  const sinkRequestTimeoutMs = e.ADF_SINK_REQUEST_TIMEOUT_MS ?? Math.min(SERVERLESS_DEFAULTS.sinkRequestTimeoutMs, Math.floor(e.ADF_LEASE_GRACE_MS / 2));
  if (e.ADF_SINK_REQUEST_TIMEOUT_MS !== undefined && sinkRequestTimeoutMs >= e.ADF_LEASE_GRACE_MS) {
    throw new ConfigError(`ADF_SINK_REQUEST_TIMEOUT_MS (${sinkRequestTimeoutMs}) must be shorter than ADF_LEASE_GRACE_MS (${e.ADF_LEASE_GRACE_MS}): a sink write must not outlive its lease`, { context: { field: 'ADF_SINK_REQUEST_TIMEOUT_MS' } });
  }
  return {
    sinkRequestTimeoutMs, allowLocalSinks: e.ADF_ALLOW_LOCAL_SINKS === 'true',
    flow, tableName: e.ADF_SPLIT_TABLE, queueUrl: e.ADF_SPLIT_QUEUE_URL, dlqUrl: e.ADF_DLQ_URL,
    maxAttempts: e.ADF_MAX_ATTEMPTS, batchSize: e.ADF_BATCH_SIZE, batchBytes: e.ADF_BATCH_BYTES,
    timeMarginMs: e.ADF_TIME_MARGIN_MS, leaseGraceMs: e.ADF_LEASE_GRACE_MS, maxIdleDelaySeconds: e.ADF_MAX_IDLE_DELAY_S, idleWaitMs: e.ADF_IDLE_WAIT_MS, maxBatchesPerInvocation: e.ADF_MAX_BATCHES_PER_INVOCATION,
    orphanAfterMs: e.ADF_ORPHAN_AFTER_MS, maxSplitsPerRun: e.ADF_MAX_SPLITS_PER_RUN, finishedTtlDays: e.ADF_FINISHED_TTL_DAYS,
  };
}

/**
 * Days a FINISHED split row lives: the configured TTL where the source allows its finished
 * splits to be forgotten, otherwise never (0), because the row is what stops a file that is
 * still in place from being ingested again.
 */
export function finishedTtlDaysFor(source: { readonly finishedSplitsMayExpire?: boolean }, configured: number): number {
  return source.finishedSplitsMayExpire ? configured : 0;
}
