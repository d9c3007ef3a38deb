import { AsyncLocalStorage } from 'node:async_hooks';

/** What Powertools asks of the Lambda runtime's InvokeStore (`globalThis.awslambda.InvokeStore`). */
interface InvokeStore {
  hasContext(): boolean;
  get(key: symbol): unknown;
  set(key: symbol, value: unknown): void;
  getRequestId(): string;
  getXRayTraceId(): string | undefined;
  run<T>(context: Record<symbol, unknown>, fn: () => T): T;
}

const REQUEST_ID = Symbol.for('_AWS_LAMBDA_REQUEST_ID');
const X_RAY_TRACE_ID = Symbol.for('_AWS_LAMBDA_X_RAY_TRACE_ID');

/**
 * The invocation store of Lambda's runtime for concurrent invocations (Managed Instances),
 * in this process: one async context per invocation. (The AWS package that provides it loads
 * its AsyncLocalStorage with a dynamic import, which jest's VM cannot run; this is the same
 * contract in a few lines.)
 */
class LocalInvokeStore implements InvokeStore {
  private readonly als = new AsyncLocalStorage<Record<symbol, unknown>>();
  hasContext(): boolean {
    return this.als.getStore() !== undefined;
  }
  get(key: symbol): unknown {
    return this.als.getStore()?.[key];
  }
  set(key: symbol, value: unknown): void {
    const store = this.als.getStore();
    if (!store) throw new Error('no invocation context');
    store[key] = value;
  }
  getRequestId(): string {
    return (this.get(REQUEST_ID) as string | undefined) ?? '-';
  }
  getXRayTraceId(): string | undefined {
    return this.get(X_RAY_TRACE_ID) as string | undefined;
  }
  run<T>(context: Record<symbol, unknown>, fn: () => T): T {
    return this.als.run({ ...context }, fn);
  }
}

let store: InvokeStore | undefined;

/**
 * Runs one in-process handler call in a scope of its own, as Lambda runs concurrent
 * invocations of one environment: the Powertools logger then keeps the Lambda context, the
 * appended keys (splitId) and the log level per invocation. Without it, `adf dev`'s
 * enumerator, reader and failure handler share the one logger, and a line carried whichever
 * function had called addContext last (the enumerator's line said "reader").
 *
 * Powertools scopes per invocation when AWS_LAMBDA_MAX_CONCURRENCY is set and
 * `globalThis.awslambda.InvokeStore` exists; the store is put in place first (Powertools
 * throws if the variable is set without one).
 */
export function inInvocationScope<T>(requestId: string, call: () => Promise<T>): Promise<T> {
  store ??= installStore();
  return store.run({ [REQUEST_ID]: requestId }, call);
}

function installStore(): InvokeStore {
  const g = globalThis as { awslambda?: { InvokeStore?: InvokeStore } };
  g.awslambda ??= {};
  g.awslambda.InvokeStore ??= new LocalInvokeStore();
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= '10';
  return g.awslambda.InvokeStore;
}
