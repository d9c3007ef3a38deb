/**
 * Fault injection on a real AWS SDK v3 client: the request reaches the server and is applied,
 * then its response is "lost" (a retryable network error is thrown in its place), so the
 * SDK's own retry sends the same request again, as it does when a connection drops after the
 * server answered. Added as a middleware inside the retry loop, so every retry attempt passes
 * through it too.
 *
 * @example
 * const faults = loseResponses(dynamoDbClient);
 * faults.loseNext();                  // the next request's response is lost once
 * await store.commit(lease, commit);  // applied, retried by the SDK, and must still succeed
 * expect(faults.lost).toBe(1);
 */
import type { MiddlewareStack } from '@smithy/types';

export interface ResponseLoss {
  /** The next `count` requests (optionally only those `when` accepts) are applied, then their responses lost. */
  loseNext(count?: number, when?: (commandName: string, input: unknown) => boolean): void;
  /** Requests the server may have applied whose responses were lost so far. */
  readonly lost: number;
  /** Lose nothing more. */
  disarm(): void;
}

/** An error the SDK's standard retry strategy treats as transient (a reset connection). */
export function networkError(): Error {
  return Object.assign(new Error('socket hang up (injected: response lost after the server applied the request)'), { code: 'ECONNRESET' });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loseResponses(client: { middlewareStack: MiddlewareStack<any, any> }): ResponseLoss {
  let armed = 0;
  let lost = 0;
  let filter: ((commandName: string, input: unknown) => boolean) | undefined;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? '');
      if (armed === 0 || (filter !== undefined && !filter(name, args.input))) return next(args);
      armed--;
      lost++;
      // The server answers (success or a refusal alike); the answer never reaches the caller.
      await next(args).catch(() => undefined);
      throw networkError();
    },
    { step: 'deserialize', name: 'adfTestLoseResponses', priority: 'high' },
  );
  return {
    loseNext(count = 1, when) {
      armed = count;
      filter = when;
    },
    get lost() {
      return lost;
    },
    disarm() {
      armed = 0;
    },
  };
}

export interface RequestRefusal {
  /** Requests refused so far. */
  readonly refused: number;
  /** Refuse nothing more. */
  stop(): void;
}

/**
 * The other fault: requests `when` accepts never reach the server and fail with a
 * non-retryable error (an unreachable or forbidden queue), until `stop()`.
 *
 * @example
 * const dlqDown = refuseRequests(sqs, (name, input) => name === 'SendMessageCommand' && (input as { QueueUrl?: string }).QueueUrl === dlqUrl);
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function refuseRequests(client: { middlewareStack: MiddlewareStack<any, any> }, when: (commandName: string, input: unknown) => boolean): RequestRefusal {
  let refused = 0;
  let on = true;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!on || !when(String(context.commandName ?? ''), args.input)) return next(args);
      refused++;
      throw Object.assign(new Error('injected: request refused'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    },
    { step: 'initialize', name: 'adfTestRefuseRequests' },
  );
  return {
    get refused() {
      return refused;
    },
    stop() {
      on = false;
    },
  };
}
