import type { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { ConfigError } from '../../errors';
import type { InvocationRecord } from './LocalInvoker';

export type EnumeratorHandler = (event: unknown, context: Context) => Promise<unknown>;
export type ReaderHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;
export type FailureHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The three functions, as functions/*.ts export them (createEnumeratorHandler() …). */
export interface LocalHandlers {
  readonly enumerator?: EnumeratorHandler;
  readonly reader: ReaderHandler;
  readonly failureHandler?: FailureHandler;
}

export type LocalFunctionName = 'enumerator' | 'reader' | 'failureHandler';

/** The SQS calls the loop makes; an SQSClient, or a fake in tests. */
export interface SqsLike {
  send(
    command: ReceiveMessageCommand | DeleteMessageBatchCommand | GetQueueAttributesCommand,
    options?: { abortSignal?: AbortSignal },
  ): Promise<unknown>;
}

export interface LocalEventLoopOptions {
  /**
   * One set of handlers is one warm "container". With `concurrency` > 1 give a factory: each
   * concurrent reader gets its own container (handlers keep per-invocation state).
   */
  readonly handlers: LocalHandlers | (() => LocalHandlers);
  readonly sqs: SqsLike;
  /** The split queue, as CreateQueue/GetQueueUrl returned it. */
  readonly queueUrl: string;
  /** Default: from GetQueueAttributes, else derived from the URL. Only fills eventSourceARN. */
  readonly queueArn?: string;
  readonly region?: string;
  /** Messages per reader invocation (ReceiveMessage MaxNumberOfMessages), 1-10. */
  readonly batchSize?: number;
  /** Seconds a received message stays hidden; failed ones reappear after it. */
  readonly visibilityTimeoutSeconds?: number;
  /** The reader's timeout: its context counts down from it, and a slower invocation counts as failed. */
  readonly readerTimeoutMs?: number;
  readonly enumeratorTimeoutMs?: number;
  readonly failureHandlerTimeoutMs?: number;
  /** Run the enumerator this often (and once at start); 0: only when asked (invokeEnumerator). */
  readonly enumerateEveryMs?: number;
  /** Run the failure handler this often; 0: only when asked (invokeFailureHandler). */
  readonly failureHandlerEveryMs?: number;
  /** Concurrent reader pollers, each with its own container. */
  readonly concurrency?: number;
  /** ReceiveMessage long-poll wait, seconds (0-20). */
  readonly waitTimeSeconds?: number;
  /** Names in the fake ARNs and contexts, e.g. `activedataflow-local-reader`. */
  readonly functionNamePrefix?: string;
  /** One line per invocation and per problem (progress; the CLI sends it to stderr). */
  readonly log?: (line: string) => void;
  /** Called after every invocation, e.g. to print or to wait for a condition in tests. */
  readonly onInvocation?: (record: InvocationRecord) => void;
}

/** Every default of the loop, in one place. */
export const LOCAL_EVENT_LOOP_DEFAULTS = {
  batchSize: 5,
  readerTimeoutMs: 120_000,
  /** AWS's advice for SQS event sources: at least 6 × the function's timeout. */
  visibilityTimeoutFactor: 6,
  enumeratorTimeoutMs: 300_000,
  failureHandlerTimeoutMs: 60_000,
  enumerateEveryMs: 60_000,
  failureHandlerEveryMs: 30_000,
  concurrency: 1,
  waitTimeSeconds: 20,
  functionNamePrefix: 'activedataflow-local',
  /** After an SQS error, the poller waits this long before polling again. */
  pollErrorBackoffMs: 1_000,
  /** runUntil checks its predicate this often. */
  checkEveryMs: 100,
  drainTimeoutMs: 120_000,
} as const;

const int = (name: string, min: number, max: number) =>
  z.number({ error: `${name} must be a number` }).int(`${name} must be a whole number`).min(min, `${name} must be between ${min} and ${max}`).max(max, `${name} must be between ${min} and ${max}`);

const OptionsSchema = z.object({
  queueUrl: z.string({ error: 'queueUrl is required' }).url('queueUrl must be a URL (the split queue, e.g. $ADF_SPLIT_QUEUE_URL)'),
  batchSize: int('batchSize', 1, 10),
  visibilityTimeoutSeconds: int('visibilityTimeoutSeconds', 0, 43_200),
  readerTimeoutMs: int('readerTimeoutMs', 1, 900_000),
  enumeratorTimeoutMs: int('enumeratorTimeoutMs', 1, 900_000),
  failureHandlerTimeoutMs: int('failureHandlerTimeoutMs', 1, 900_000),
  enumerateEveryMs: int('enumerateEveryMs', 0, 86_400_000),
  failureHandlerEveryMs: int('failureHandlerEveryMs', 0, 86_400_000),
  concurrency: int('concurrency', 1, 64),
  waitTimeSeconds: int('waitTimeSeconds', 0, 20),
});

/** The loop's numeric settings and queue URL, defaults filled in and validated. */
export type LocalEventLoopSettings = z.infer<typeof OptionsSchema>;

/**
 * Fills in the defaults and validates the options once, at construction; a mistake is a
 * ConfigError naming the field, its range and the value given.
 */
export function resolveLocalEventLoopSettings(options: LocalEventLoopOptions): LocalEventLoopSettings {
  const readerTimeoutMs = options.readerTimeoutMs ?? LOCAL_EVENT_LOOP_DEFAULTS.readerTimeoutMs;
  const candidate = {
    queueUrl: options.queueUrl,
    batchSize: options.batchSize ?? LOCAL_EVENT_LOOP_DEFAULTS.batchSize,
    readerTimeoutMs,
    visibilityTimeoutSeconds:
      options.visibilityTimeoutSeconds ?? Math.ceil(readerTimeoutMs / 1000) * LOCAL_EVENT_LOOP_DEFAULTS.visibilityTimeoutFactor,
    enumeratorTimeoutMs: options.enumeratorTimeoutMs ?? LOCAL_EVENT_LOOP_DEFAULTS.enumeratorTimeoutMs,
    failureHandlerTimeoutMs: options.failureHandlerTimeoutMs ?? LOCAL_EVENT_LOOP_DEFAULTS.failureHandlerTimeoutMs,
    enumerateEveryMs: options.enumerateEveryMs ?? LOCAL_EVENT_LOOP_DEFAULTS.enumerateEveryMs,
    failureHandlerEveryMs: options.failureHandlerEveryMs ?? LOCAL_EVENT_LOOP_DEFAULTS.failureHandlerEveryMs,
    concurrency: options.concurrency ?? LOCAL_EVENT_LOOP_DEFAULTS.concurrency,
    waitTimeSeconds: options.waitTimeSeconds ?? LOCAL_EVENT_LOOP_DEFAULTS.waitTimeSeconds,
  };
  const parsed = OptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0]);
    throw new ConfigError(`${issue.message} (got ${JSON.stringify(candidate[field as keyof typeof candidate])})`, { context: { field } });
  }
  if (parsed.data.concurrency > 1 && typeof options.handlers !== 'function') {
    throw new ConfigError('concurrency > 1 needs handlers as a factory (one container per concurrent reader)', { context: { field: 'handlers' } });
  }
  return parsed.data;
}
