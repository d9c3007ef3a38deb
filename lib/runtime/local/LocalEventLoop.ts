import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DeleteMessageBatchCommandOutput, GetQueueAttributesCommandOutput, Message, ReceiveMessageCommandOutput } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { AdfError, ConfigError } from '../../errors';
import { createLambdaContext } from './LambdaContextFactory';
import { failedMessageIds, queueArnFromUrl, scheduledEvent, toSqsEvent } from './SqsEventFactory';

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

export type InvocationOutcome = 'ok' | 'error' | 'timeout';

/** One in-process invocation, as reported to `onInvocation` and kept in the counters. */
export interface InvocationRecord {
  readonly function: LocalFunctionName;
  readonly requestId: string;
  readonly durationMs: number;
  readonly outcome: InvocationOutcome;
  /** The handler's return value (reader: the SQSBatchResponse). */
  readonly result?: unknown;
  readonly error?: Error;
  /** Reader only: messages in the event, deleted afterwards, and left on the queue. */
  readonly messages?: number;
  readonly deleted?: number;
  readonly retried?: number;
}

export interface LocalEventLoopStats {
  readonly invocations: { readonly enumerator: number; readonly reader: number; readonly failureHandler: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly messagesReceived: number;
  readonly messagesDeleted: number;
  /** Left on the queue (batchItemFailures, a failed or timed-out invocation) to reappear. */
  readonly messagesRetried: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/**
 * Runs the three serverless functions in this process against real (or emulated) SQS and
 * DynamoDB, the way Lambda would: the enumerator and the failure handler on schedules, and
 * a poller in place of the SQS event source mapping. The poller long-polls the split queue,
 * hands the reader a real SQSEvent with a Lambda-like context (a new request id per
 * invocation, remaining time counting down from the reader timeout), deletes the messages the
 * reader did not report in `batchItemFailures`, and leaves the others to reappear after the
 * visibility timeout. A reader that throws or overruns its timeout fails its whole batch, as
 * on Lambda (its promise cannot be killed here; its late commit is fenced off by the lease).
 *
 * @example
 * const loop = new LocalEventLoop({ handlers: { enumerator, reader, failureHandler }, sqs, queueUrl, waitTimeSeconds: 1 });
 * await loop.invokeEnumerator();
 * await loop.drain();                       // until the queue is empty and nothing runs
 * await loop.runUntil(controller.signal);   // or: schedules + pollers until aborted
 */
export class LocalEventLoop {
  private readonly options: LocalEventLoopOptions;
  private readonly settings: z.infer<typeof OptionsSchema>;
  private readonly region: string;
  private readonly log: (line: string) => void;
  private readonly containers: LocalHandlers[] = [];
  private readonly counters: Mutable<LocalEventLoopStats> = {
    invocations: { enumerator: 0, reader: 0, failureHandler: 0 },
    errors: 0,
    timeouts: 0,
    messagesReceived: 0,
    messagesDeleted: 0,
    messagesRetried: 0,
  };
  private queueArn: string | undefined;
  private running: { controller: AbortController; tasks: Promise<void>[] } | undefined;
  private readonly active = new Set<Promise<unknown>>();
  /** Reader invocations that hold received messages (from receive until their deletes are done). */
  private busyReaders = 0;

  constructor(options: LocalEventLoopOptions) {
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
    this.options = options;
    this.settings = parsed.data;
    this.region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    this.log = options.log ?? (() => undefined);
    this.queueArn = options.queueArn;
  }

  /** Reader invocations running now (each holds its batch's messages). */
  get inFlight(): number {
    return this.busyReaders;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  stats(): LocalEventLoopStats {
    return structuredClone(this.counters);
  }

  /**
   * Starts the schedules (the enumerator at once, then every `enumerateEveryMs`; the failure
   * handler every `failureHandlerEveryMs`) and `concurrency` pollers. Idempotent.
   */
  start(): void {
    if (this.running) return;
    const controller = new AbortController();
    const { signal } = controller;
    const tasks: Promise<void>[] = [];
    const handlers = this.container(0);
    if (this.settings.enumerateEveryMs > 0 && handlers.enumerator) {
      tasks.push(this.every(this.settings.enumerateEveryMs, true, signal, () => this.invokeEnumerator()));
    }
    if (this.settings.failureHandlerEveryMs > 0 && handlers.failureHandler) {
      tasks.push(this.every(this.settings.failureHandlerEveryMs, false, signal, () => this.invokeFailureHandler()));
    }
    for (let i = 0; i < this.settings.concurrency; i++) tasks.push(this.pollLoop(i, signal));
    this.running = { controller, tasks };
  }

  /** Stops polling and the schedules, and waits for running invocations to finish. */
  async stop(): Promise<LocalEventLoopStats> {
    const running = this.running;
    if (running) {
      running.controller.abort();
      await Promise.all(running.tasks);
      this.running = undefined;
    }
    await Promise.allSettled([...this.active]);
    return this.stats();
  }

  /**
   * Runs the loop (see start) until the predicate holds or the signal aborts, then stops it.
   * With `timeoutMs`, a predicate that never holds is an error (the loop is stopped first).
   */
  async runUntil(
    until: (() => boolean | Promise<boolean>) | AbortSignal,
    options: { readonly timeoutMs?: number; readonly checkEveryMs?: number } = {},
  ): Promise<LocalEventLoopStats> {
    this.start();
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    const every = options.checkEveryMs ?? LOCAL_EVENT_LOOP_DEFAULTS.checkEveryMs;
    try {
      if (typeof until === 'function') {
        while (!(await until())) {
          if (Date.now() >= deadline) throw new AdfError(`the local event loop did not reach its condition within ${options.timeoutMs} ms`);
          await sleep(every);
        }
      } else if (!until.aborted) {
        await new Promise<void>((resolve) => {
          const timer = deadline === Infinity ? undefined : setTimeout(resolve, deadline - Date.now());
          until.addEventListener('abort', () => {
            if (timer) clearTimeout(timer);
            resolve();
          }, { once: true });
        });
      }
    } finally {
      await this.stop();
    }
    return this.stats();
  }

  /**
   * Polls (with this loop's pollers if it runs, else by itself) until the split queue holds no
   * message, visible, in flight or delayed, and no invocation is running. Messages a reader
   * failed come back after the visibility timeout, so keep it short in tests.
   */
  async drain(options: { readonly timeoutMs?: number } = {}): Promise<LocalEventLoopStats> {
    const timeoutMs = options.timeoutMs ?? LOCAL_EVENT_LOOP_DEFAULTS.drainTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.running) await sleep(LOCAL_EVENT_LOOP_DEFAULTS.checkEveryMs);
      else await this.pollOnce({ waitTimeSeconds: Math.min(1, this.settings.waitTimeSeconds) });
      if (this.busyReaders === 0 && this.active.size === 0) {
        const left = await this.messagesLeft();
        if (left === 0) return this.stats();
        if (Date.now() >= deadline) throw new AdfError(`drain: ${left} message(s) still on ${this.settings.queueUrl} after ${timeoutMs} ms`);
      } else if (Date.now() >= deadline) {
        throw new AdfError(`drain: invocations still running after ${timeoutMs} ms`);
      }
    }
  }

  /** One scheduled (or, with `event`, manual) enumerator invocation. */
  invokeEnumerator(event?: unknown): Promise<InvocationRecord> {
    const handler = this.container(0).enumerator;
    if (!handler) throw new ConfigError('no enumerator handler given to the local event loop');
    const payload = event ?? scheduledEvent(`${this.prefix}-enumerator-schedule`, this.region);
    return this.invoke('enumerator', this.settings.enumeratorTimeoutMs, (context) => handler(payload, context));
  }

  /** One scheduled failure-handler invocation. */
  invokeFailureHandler(event?: unknown): Promise<InvocationRecord> {
    const handler = this.container(0).failureHandler;
    if (!handler) throw new ConfigError('no failure handler given to the local event loop');
    const payload = event ?? scheduledEvent(`${this.prefix}-failureHandler-schedule`, this.region);
    return this.invoke('failureHandler', this.settings.failureHandlerTimeoutMs, (context) => handler(payload, context));
  }

  /**
   * One round of the event source mapping: receive up to batchSize messages, invoke the reader
   * with them, delete those it did not report as failed. Returns the messages received.
   */
  async pollOnce(options: { readonly waitTimeSeconds?: number; readonly signal?: AbortSignal; readonly container?: number } = {}): Promise<number> {
    const received = (await this.sqs(
      new ReceiveMessageCommand({
        QueueUrl: this.settings.queueUrl,
        MaxNumberOfMessages: this.settings.batchSize,
        VisibilityTimeout: this.settings.visibilityTimeoutSeconds,
        WaitTimeSeconds: options.waitTimeSeconds ?? this.settings.waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      options.signal,
    )) as ReceiveMessageCommandOutput;
    const messages = received.Messages ?? [];
    if (messages.length === 0) return 0;
    this.busyReaders++;
    try {
      this.counters.messagesReceived += messages.length;
      await this.invokeReader(messages, options.container ?? 0);
    } finally {
      this.busyReaders--;
    }
    return messages.length;
  }

  private async invokeReader(messages: Message[], container: number): Promise<void> {
    const handler = this.container(container).reader;
    const event = toSqsEvent(messages, { queueArn: await this.resolveQueueArn(), region: this.region });
    let failed: ReadonlySet<string> = new Set(event.Records.map((r) => r.messageId));
    let wholeBatch = true;
    const record = await this.invoke('reader', this.settings.readerTimeoutMs, async (context) => {
      const response = await handler(event, context);
      ({ ids: failed, wholeBatch } = failedMessageIds(response, event));
      return response;
    });
    if (record.outcome === 'ok' && wholeBatch) this.log(`reader ${record.requestId}: invalid batchItemFailures response, the whole batch stays on the queue`);
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    const deleted = record.outcome === 'ok' ? await this.deleteMessages(done) : 0;
    const retried = messages.length - deleted;
    this.counters.messagesDeleted += deleted;
    this.counters.messagesRetried += retried;
    this.report({ ...record, messages: messages.length, deleted, retried });
  }

  /** Deletes in one batch (at most 10 messages); a message that fails to delete simply comes back. */
  private async deleteMessages(messages: Message[]): Promise<number> {
    if (messages.length === 0) return 0;
    try {
      const output = (await this.sqs(
        new DeleteMessageBatchCommand({
          QueueUrl: this.settings.queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      )) as DeleteMessageBatchCommandOutput;
      const failedDeletes = output.Failed ?? [];
      for (const f of failedDeletes) this.log(`delete failed for message ${messages[Number(f.Id)]?.MessageId}: ${f.Code} ${f.Message ?? ''}; it will be delivered again`);
      return messages.length - failedDeletes.length;
    } catch (error) {
      this.log(`DeleteMessageBatch failed: ${(error as Error).message}; ${messages.length} message(s) will be delivered again`);
      return 0;
    }
  }

  /** Runs one handler call with a fresh context and the function's timeout; never throws. */
  private async invoke(fn: LocalFunctionName, timeoutMs: number, call: (context: Context) => Promise<unknown>): Promise<InvocationRecord> {
    const context = createLambdaContext({ functionName: `${this.prefix}-${fn}`, timeoutMs, region: this.region });
    const started = Date.now();
    this.counters.invocations[fn]++;
    const work = call(context);
    this.track(work);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    let record: InvocationRecord;
    try {
      const result = await Promise.race([work.then((value) => ({ value })), timeout]);
      record =
        result === 'timeout'
          ? { function: fn, requestId: context.awsRequestId, durationMs: Date.now() - started, outcome: 'timeout', error: new AdfError(`${fn} timed out after ${timeoutMs} ms`) }
          : { function: fn, requestId: context.awsRequestId, durationMs: Date.now() - started, outcome: 'ok', result: result.value };
    } catch (error) {
      record = { function: fn, requestId: context.awsRequestId, durationMs: Date.now() - started, outcome: 'error', error: error as Error };
    } finally {
      clearTimeout(timer);
    }
    if (record.outcome === 'timeout') this.counters.timeouts++;
    if (record.outcome === 'error') this.counters.errors++;
    // The reader's record is reported once its messages are settled (invokeReader).
    if (fn !== 'reader') this.report(record);
    return record;
  }

  /** To `onInvocation` if given (it decides what to print), else failures to `log`. */
  private report(record: InvocationRecord): void {
    if (this.options.onInvocation) this.options.onInvocation(record);
    else if (record.outcome !== 'ok') this.log(`${record.function} ${record.requestId} ${record.outcome}: ${record.error?.message}`);
  }

  /** Keeps a handler's promise until it settles, even after a timeout (stop waits for it). */
  private track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.active.add(settled);
    void settled.then(() => this.active.delete(settled));
  }

  private async pollLoop(container: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.pollOnce({ signal, container });
      } catch (error) {
        if (signal.aborted) return;
        this.log(`ReceiveMessage failed: ${(error as Error).message}; polling again in ${LOCAL_EVENT_LOOP_DEFAULTS.pollErrorBackoffMs} ms`);
        await pause(LOCAL_EVENT_LOOP_DEFAULTS.pollErrorBackoffMs, signal);
      }
    }
  }

  /** Like an EventBridge rule, without overlap: the next run waits for the previous one. */
  private async every(ms: number, atStart: boolean, signal: AbortSignal, run: () => Promise<unknown>): Promise<void> {
    if (atStart && !signal.aborted) await run();
    while (!signal.aborted) {
      await pause(ms, signal);
      if (!signal.aborted) await run();
    }
  }

  private async messagesLeft(): Promise<number> {
    const { Attributes = {} } = (await this.sqs(
      new GetQueueAttributesCommand({
        QueueUrl: this.settings.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    )) as GetQueueAttributesCommandOutput;
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  }

  private async resolveQueueArn(): Promise<string> {
    if (this.queueArn) return this.queueArn;
    try {
      const { Attributes = {} } = (await this.sqs(
        new GetQueueAttributesCommand({ QueueUrl: this.settings.queueUrl, AttributeNames: ['QueueArn'] }),
      )) as GetQueueAttributesCommandOutput;
      this.queueArn = Attributes.QueueArn ?? queueArnFromUrl(this.settings.queueUrl, this.region);
    } catch {
      this.queueArn = queueArnFromUrl(this.settings.queueUrl, this.region);
    }
    return this.queueArn;
  }

  private sqs(command: ReceiveMessageCommand | DeleteMessageBatchCommand | GetQueueAttributesCommand, signal?: AbortSignal): Promise<unknown> {
    return this.options.sqs.send(command, signal ? { abortSignal: signal } : undefined);
  }

  private container(index: number): LocalHandlers {
    const { handlers } = this.options;
    return (this.containers[index] ??= typeof handlers === 'function' ? handlers() : handlers);
  }

  private get prefix(): string {
    return this.options.functionNamePrefix ?? LOCAL_EVENT_LOOP_DEFAULTS.functionNamePrefix;
  }
}

/** Waits `ms`, or less when the signal aborts; never rejects. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}
