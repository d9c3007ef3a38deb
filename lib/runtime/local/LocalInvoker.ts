import type { Context } from 'aws-lambda';
import { AdfError } from '../../errors';
import { createLambdaContext } from './LambdaContextFactory';
import { inInvocationScope } from './LocalInvocationScope';
import type { LocalFunctionName } from './LocalEventLoopOptions';

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

export interface LocalInvokerOptions {
  /** Function names are `${prefix}-${fn}`, e.g. `activedataflow-local-reader`. */
  readonly prefix: string;
  readonly region: string;
  readonly log: (line: string) => void;
  readonly onInvocation?: (record: InvocationRecord) => void;
}

/**
 * Invokes handlers the way Lambda would: a fresh context per call, the function's timeout, a
 * record of the outcome. Keeps the loop's counters and every handler promise until it settles
 * (a timed-out handler cannot be killed here, so stopping waits for it).
 *
 * @example
 * const invoker = new LocalInvoker({ prefix: 'activedataflow-local', region: 'us-east-1', log: console.error });
 * const record = await invoker.invoke('enumerator', 300_000, (context) => enumerator(event, context));
 * invoker.counters.invocations.enumerator; // 1
 */
export class LocalInvoker {
  readonly counters: Mutable<LocalEventLoopStats> = {
    invocations: { enumerator: 0, reader: 0, failureHandler: 0 },
    errors: 0,
    timeouts: 0,
    messagesReceived: 0,
    messagesDeleted: 0,
    messagesRetried: 0,
  };
  private readonly active = new Set<Promise<unknown>>();

  constructor(private readonly options: LocalInvokerOptions) {}

  /** Handler calls that have not settled yet, timed-out ones included. */
  get running(): number {
    return this.active.size;
  }

  stats(): LocalEventLoopStats {
    return structuredClone(this.counters);
  }

  /** Resolves once every handler call started so far has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.active]);
  }

  /**
   * Runs one handler call with a fresh context and the function's timeout; never throws.
   * Reports the record, except the reader's: that one is reported once its messages are
   * settled (see invokeReader), with the counts of deleted and retried messages.
   */
  async invoke(fn: LocalFunctionName, timeoutMs: number, call: (context: Context) => Promise<unknown>): Promise<InvocationRecord> {
    const context = createLambdaContext({ functionName: `${this.options.prefix}-${fn}`, timeoutMs, region: this.options.region });
    const started = Date.now();
    this.counters.invocations[fn]++;
    const work = inInvocationScope(context.awsRequestId, () => call(context));
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
    if (fn !== 'reader') this.report(record);
    return record;
  }

  /** To `onInvocation` if given (it decides what to print), else failures to `log`. */
  report(record: InvocationRecord): void {
    if (this.options.onInvocation) this.options.onInvocation(record);
    else if (record.outcome !== 'ok') this.options.log(`${record.function} ${record.requestId} ${record.outcome}: ${record.error?.message}`);
  }

  /** Keeps a handler's promise until it settles, even after a timeout (settled() waits for it). */
  private track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.active.add(settled);
    void settled.then(() => this.active.delete(settled));
  }
}
