import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The account id emulators and LocalStack use; only ever appears in fake ARNs. */
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface LambdaContextOptions {
  readonly functionName: string;
  /** The function's timeout: getRemainingTimeInMillis counts down from it. */
  readonly timeoutMs: number;
  readonly region: string;
  readonly memoryLimitInMB?: number;
  /** Default: a new UUID, as Lambda gives every invocation. */
  readonly awsRequestId?: string;
  /** Epoch-ms clock (tests); default Date.now. */
  readonly clock?: () => number;
}

/**
 * A Lambda-like Context for one in-process invocation: a fresh request id and a deadline of
 * now + timeout. The deprecated callbacks (done, fail, succeed) exist only to satisfy the
 * type; the handlers here are async and never call them.
 *
 * @example
 * const context = createLambdaContext({ functionName: 'adf-reader', timeoutMs: 120_000, region: 'us-east-1' });
 * await handler(event, context);
 */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const clock = options.clock ?? Date.now;
  const deadline = clock() + options.timeoutMs;
  const awsRequestId = options.awsRequestId ?? randomUUID();
  const noop = () => undefined;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${LOCAL_ACCOUNT_ID}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - clock()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}
