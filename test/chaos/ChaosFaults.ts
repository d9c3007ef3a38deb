/**
 * The faults a chaos worker process injects into itself: responses dropped after the server
 * applied the request, SIGKILL at chosen points, and a pause inside the sink write. Each one
 * reports itself on the event channel before it acts, so the orchestrator counts what really
 * happened (a process killed a moment later has already told).
 */
import { writeSync } from 'node:fs';
import type { SinkWriter } from '../../lib/sinks/Sink';
import type { SeededRandom } from './SeededRandom';

/** fd 3 of every worker is a pipe to the orchestrator; stdout/stderr go to the worker's log file. */
export const EVENT_FD = 3;

export type ChaosEvent =
  | { readonly e: 'ready'; readonly role: string }
  | { readonly e: 'drop'; readonly service: string; readonly op: string }
  | { readonly e: 'killPoint'; readonly at: string }
  | { readonly e: 'sinkPause'; readonly ms: number; readonly sink: string; readonly splitId: string; readonly sinkState: unknown; readonly resumed?: boolean }
  | { readonly e: 'invocation'; readonly fn: string; readonly outcome: string; readonly error?: string }
  | { readonly e: 'result'; readonly fn: string; readonly result: unknown };

export function emit(event: ChaosEvent): void {
  try {
    writeSync(EVENT_FD, `${JSON.stringify(event)}\n`);
  } catch {
    // The orchestrator is gone; nothing to tell.
  }
}

/**
 * Writes paused in this process right now. While one waits, the process kills itself at no
 * point: the paused write must land, or the fault it stands for never happens (the process goes
 * on serving other messages meanwhile, as the `adf dev` loop does after a timeout).
 */
const pausing = { count: 0 };

function killPoint(rng: SeededRandom, probability: number): boolean {
  return pausing.count === 0 && rng.chance(probability);
}

function killSelf(at: string): never {
  emit({ e: 'killPoint', at });
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL');
}

/** Requests that change state: the ones whose lost response is ambiguous to the caller. */
const WRITES: Readonly<Record<string, readonly string[]>> = {
  dynamodb: ['UpdateItemCommand', 'PutItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand'],
  sqs: ['SendMessageCommand', 'SendMessageBatchCommand', 'DeleteMessageBatchCommand', 'DeleteMessageCommand'],
  s3: ['PutObjectCommand', 'CopyObjectCommand', 'DeleteObjectCommand'],
};

interface MiddlewareClient {
  readonly middlewareStack: {
    addRelativeTo(middleware: unknown, options: { relation: 'after'; toMiddleware: string; name: string; override?: boolean }): void;
  };
}

export interface DropFaultOptions {
  readonly service: keyof typeof WRITES;
  /** Chance that a write's response is dropped after the server applied it. */
  readonly dropProbability: number;
  /** Chance that the process SIGKILLs itself right after a write was applied (before it sees the answer). */
  readonly killProbability: number;
  readonly rng: SeededRandom;
}

/**
 * A middleware placed after the SDK's retry step, so it runs once per attempt: the request
 * reaches the server and is applied, then the attempt fails with a retryable network error
 * (ECONNRESET) as if the connection died on the way back. The SDK's retry sends the same
 * request again: a conditional write now fails its condition, an unconditional one is
 * applied twice.
 */
export function installResponseFaults(client: MiddlewareClient, options: DropFaultOptions): void {
  const writes = new Set(WRITES[options.service]);
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: unknown): Promise<unknown> => {
      const op = context.commandName ?? 'unknown';
      const output = await next(args);
      if (!writes.has(op)) return output;
      if (killPoint(options.rng, options.killProbability)) killSelf(`after ${options.service} ${op} applied`);
      if (options.rng.chance(options.dropProbability)) {
        emit({ e: 'drop', service: options.service, op });
        throw Object.assign(new Error(`chaos: ${op} response dropped after the server applied it`), { name: 'ChaosResponseDropped', code: 'ECONNRESET', $metadata: {} });
      }
      return output;
    };
  client.middlewareStack.addRelativeTo(middleware, { relation: 'after', toMiddleware: 'retryMiddleware', name: 'chaosResponseFaults', override: true });
}

export interface SinkFaultOptions {
  readonly name: string;
  /** Set by SIGUSR2 from the orchestrator: the next first write of a split pauses this long before it starts. */
  readonly pause: { pending: boolean; readonly ms: number };
  readonly killProbability: number;
  readonly rng: SeededRandom;
}

/**
 * Wraps a sink writer: a pause inside `write` (after the runtime's clock check, before any
 * byte is written, so a writer resumed past its lease acts on a stale sink state: the next
 * first batch of a split once armed by SIGUSR2), and a
 * SIGKILL after the write returned and before the runtime commits it.
 */
export function faultySinkWriter(open: () => Promise<SinkWriter<unknown>>, options: SinkFaultOptions): () => Promise<SinkWriter<unknown>> {
  let writer: Promise<SinkWriter<unknown>> | undefined;
  const wrap = (inner: SinkWriter<unknown>): SinkWriter<unknown> => {
    const write = async (...args: Parameters<SinkWriter<unknown>['write']>) => {
      const { splitId, sinkState } = args[0];
      // Armed: pause at the first write of a split (no sink state yet), where the most of the
      // split's output comes after the stale write; a pause before a split's last batch proves nothing.
      if (options.pause.pending && (sinkState === undefined || sinkState === 0)) {
        options.pause.pending = false;
        emit({ e: 'sinkPause', ms: options.pause.ms, sink: options.name, splitId, sinkState });
        pausing.count++;
        try {
          await new Promise((resolve) => setTimeout(resolve, options.pause.ms));
        } finally {
          pausing.count--;
        }
        emit({ e: 'sinkPause', ms: options.pause.ms, sink: options.name, splitId, sinkState, resumed: true });
      }
      const state = await inner.write(...args);
      if (killPoint(options.rng, options.killProbability)) killSelf(`after ${options.name} write, before commit`);
      return state;
    };
    // A Proxy, not a new object: whatever else a writer offers (today or after a fix) passes through.
    return new Proxy(inner, {
      get: (target, prop) => {
        if (prop === 'write') return write;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  return () => (writer ??= open().then(wrap));
}
