import { setTimeout as sleep } from 'node:timers/promises';
import { AdfError, ConfigError } from '../../errors';
import { LocalInvoker, type InvocationRecord, type LocalEventLoopStats } from './LocalInvoker';
import {
  LOCAL_EVENT_LOOP_DEFAULTS,
  resolveLocalEventLoopSettings,
  type LocalEventLoopOptions,
  type LocalEventLoopSettings,
  type LocalHandlers,
} from './LocalEventLoopOptions';
import { LocalSqsPoller } from './LocalSqsPoller';
import { pause, runEvery } from './LocalSchedule';
import { invokeReader } from './LocalReaderInvocation';
import { scheduledEvent } from './SqsEventFactory';

// The loop's public types live beside the parts that define them; index.ts imports them from here.
export { LOCAL_EVENT_LOOP_DEFAULTS } from './LocalEventLoopOptions';
export type { EnumeratorHandler, FailureHandler, LocalEventLoopOptions, LocalFunctionName, LocalHandlers, ReaderHandler, SqsLike } from './LocalEventLoopOptions';
export type { InvocationOutcome, InvocationRecord, LocalEventLoopStats } from './LocalInvoker';

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
 * Its parts: LocalSqsPoller (the queue calls), LocalInvoker (context, timeout, counters),
 * invokeReader (one reader batch), runEvery (the schedules).
 *
 * @example
 * const loop = new LocalEventLoop({ handlers: { enumerator, reader, failureHandler }, sqs, queueUrl, waitTimeSeconds: 1 });
 * await loop.invokeEnumerator();
 * await loop.drain();                       // until the queue is empty and nothing runs
 * await loop.runUntil(controller.signal);   // or: schedules + pollers until aborted
 */
export class LocalEventLoop {
  private readonly options: LocalEventLoopOptions;
  private readonly settings: LocalEventLoopSettings;
  private readonly region: string;
  private readonly log: (line: string) => void;
  private readonly containers: LocalHandlers[] = [];
  private readonly invoker: LocalInvoker;
  private readonly poller: LocalSqsPoller;
  private running: { controller: AbortController; tasks: Promise<void>[] } | undefined;
  /** Reader invocations that hold received messages (from receive until their deletes are done). */
  private busyReaders = 0;

  constructor(options: LocalEventLoopOptions) {
    this.settings = resolveLocalEventLoopSettings(options);
    this.options = options;
    this.region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    this.log = options.log ?? (() => undefined);
    this.invoker = new LocalInvoker({ prefix: this.prefix, region: this.region, log: this.log, onInvocation: options.onInvocation });
    this.poller = new LocalSqsPoller({
      sqs: options.sqs,
      queueUrl: this.settings.queueUrl,
      queueArn: options.queueArn,
      region: this.region,
      batchSize: this.settings.batchSize,
      visibilityTimeoutSeconds: this.settings.visibilityTimeoutSeconds,
      log: this.log,
    });
  }

  /** Reader invocations running now (each holds its batch's messages). */
  get inFlight(): number {
    return this.busyReaders;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  stats(): LocalEventLoopStats {
    return this.invoker.stats();
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
      tasks.push(runEvery(this.settings.enumerateEveryMs, true, signal, () => this.invokeEnumerator()));
    }
    if (this.settings.failureHandlerEveryMs > 0 && handlers.failureHandler) {
      tasks.push(runEvery(this.settings.failureHandlerEveryMs, false, signal, () => this.invokeFailureHandler()));
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
    await this.invoker.settled();
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
      if (this.busyReaders === 0 && this.invoker.running === 0) {
        const left = await this.poller.messagesLeft();
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
    return this.invoker.invoke('enumerator', this.settings.enumeratorTimeoutMs, (context) => handler(payload, context));
  }

  /** One scheduled failure-handler invocation. */
  invokeFailureHandler(event?: unknown): Promise<InvocationRecord> {
    const handler = this.container(0).failureHandler;
    if (!handler) throw new ConfigError('no failure handler given to the local event loop');
    const payload = event ?? scheduledEvent(`${this.prefix}-failureHandler-schedule`, this.region);
    return this.invoker.invoke('failureHandler', this.settings.failureHandlerTimeoutMs, (context) => handler(payload, context));
  }

  /**
   * One round of the event source mapping: receive up to batchSize messages, invoke the reader
   * with them, delete those it did not report as failed. Returns the messages received.
   */
  async pollOnce(options: { readonly waitTimeSeconds?: number; readonly signal?: AbortSignal; readonly container?: number } = {}): Promise<number> {
    const messages = await this.poller.receive(options.waitTimeSeconds ?? this.settings.waitTimeSeconds, options.signal);
    if (messages.length === 0) return 0;
    this.busyReaders++;
    try {
      this.invoker.counters.messagesReceived += messages.length;
      const reader = this.container(options.container ?? 0).reader;
      await invokeReader(messages, reader, {
        invoker: this.invoker,
        poller: this.poller,
        region: this.region,
        readerTimeoutMs: this.settings.readerTimeoutMs,
        log: this.log,
      });
    } finally {
      this.busyReaders--;
    }
    return messages.length;
  }

  /** One of `concurrency` pollers: an SQS error is logged and polling goes on after a pause. */
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

  private container(index: number): LocalHandlers {
    const { handlers } = this.options;
    return (this.containers[index] ??= typeof handlers === 'function' ? handlers() : handlers);
  }

  private get prefix(): string {
    return this.options.functionNamePrefix ?? LOCAL_EVENT_LOOP_DEFAULTS.functionNamePrefix;
  }
}
