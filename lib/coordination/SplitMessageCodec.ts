/**
 * Split messages as they travel in queue bodies: JSON `{ flow, splitId, token, idleRounds? }`,
 * and for dead letters `{ flow, splitId, token, error, attempts }`. The DLQ also receives raw
 * split messages from the queue's redrive policy: parseDeadLetterMessage reads both kinds. No
 * SDK import, so the reader can validate bodies without pulling in a queue client.
 */
import type { z } from 'zod';
import { lazySchema, type ZodApi } from '../util/lazySchema';
import { PoisonRecordError } from '../errors';
import type { FailedSplitMessage, SplitMessage } from './SplitQueue';

/** Dead-letter bodies keep at most this much of the error text (an SQS message holds 256 KiB). */
export const MAX_DEAD_LETTER_ERROR_CHARS = 8192;

/** Built on first use (lazySchema): zod is not loaded while a Lambda bundle initialises. */
function splitMessageFields(z: ZodApi) {
  const count = (field: string) =>
    z.number({ error: `${field} must be a non-negative integer` }).int(`${field} must be a non-negative integer`).min(0, `${field} must be a non-negative integer`);
  const text = (field: string) => z.string({ error: `${field} must be a non-empty string` }).min(1, `${field} must be a non-empty string`);
  return { count, fields: { flow: text('flow'), splitId: text('splitId'), token: count('token'), idleRounds: count('idleRounds').optional() } };
}
const splitMessageSchema = lazySchema((z) => z.object(splitMessageFields(z).fields));
const failedSplitMessageSchema = lazySchema((z) => {
  const { count, fields } = splitMessageFields(z);
  return z.object({ ...fields, error: z.string({ error: 'error must be a string' }), attempts: count('attempts') });
});

/** The body of a split message; unknown properties of `message` are not sent. */
export function formatSplitMessage(message: SplitMessage): string {
  const { flow, splitId, token, idleRounds } = message;
  return JSON.stringify(idleRounds === undefined ? { flow, splitId, token } : { flow, splitId, token, idleRounds });
}

/** The body of a dead letter; a very long error is cut to MAX_DEAD_LETTER_ERROR_CHARS. */
export function formatFailedSplitMessage(message: FailedSplitMessage): string {
  const { flow, splitId, token, attempts } = message;
  const error = message.error.length > MAX_DEAD_LETTER_ERROR_CHARS ? `${message.error.slice(0, MAX_DEAD_LETTER_ERROR_CHARS)}… (cut)` : message.error;
  return JSON.stringify({ flow, splitId, token, error, attempts });
}

/**
 * Validates a split message body. A bad body will not get better on redelivery: it throws
 * PoisonRecordError naming the field, e.g. `invalid split message: token must be a
 * non-negative integer (got "1")`.
 *
 * @example
 * const message = parseSplitMessage(record.body); // { flow: 'orders', splitId: 'a.csv', token: 3 }
 */
export function parseSplitMessage(body: string): SplitMessage {
  return parse(splitMessageSchema(), body, 'split message');
}

/**
 * Validates a dead-letter body, as written by SplitQueue#deadLetter. A DLQ holds other bodies
 * too (see parseDeadLetterMessage, the one way to read a DLQ); a split message SQS redrove is
 * refused with a message that says so.
 */
export function parseFailedSplitMessage(body: string): FailedSplitMessage {
  const letter = parseDeadLetterMessage(body);
  if (letter.kind === 'failed') return letter.message;
  if (letter.kind === 'undelivered') {
    throw new PoisonRecordError(`not a failed split message: a split message SQS moved to the DLQ after maxReceiveCount receives (split ${letter.message.splitId}); read DLQ bodies with parseDeadLetterMessage`, {
      context: { splitId: letter.message.splitId },
    });
  }
  return parse(failedSplitMessageSchema(), body, 'failed split message'); // throws, naming the field
}

/**
 * A message of the split DLQ. The queue gets bodies from two writers, and this is its one format:
 *
 * - `failed`: the split is FAILED in the split table (it ran out of attempts); written by the
 *   reader or the failure handler (SplitQueue#deadLetter) with the last error and the attempts.
 * - `undelivered`: a split message SQS itself moved here (the queue's redrive policy) after
 *   maxReceiveCount receives that never settled it: e.g. a reader that failed before its claim
 *   every time, or a message of another flow refused by every reader. The split is NOT failed:
 *   its row says where it stands; a PENDING one is re-sent by the failure handler.
 * - `unreadable`: a body that is neither (it was refused as poison by every reader).
 *
 * Never throws: every DLQ body is one of the three.
 *
 * @example
 * const letter = parseDeadLetterMessage(record.body);
 * if (letter.kind === 'failed') alert(letter.message.splitId, letter.message.error);
 */
export function parseDeadLetterMessage(body: string): DeadLetterMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return { kind: 'unreadable', body, error: `not JSON (${(error as Error).message})` };
  }
  const failed = failedSplitMessageSchema().safeParse(value);
  if (failed.success) return { kind: 'failed', message: failed.data };
  const split = splitMessageSchema().safeParse(value);
  if (split.success) return { kind: 'undelivered', message: split.data };
  const issue = split.error.issues[0]!;
  return { kind: 'unreadable', body, error: `not a split message: ${issue.path.join('.') || 'body'}: ${issue.message}` };
}

/** What one DLQ body is (see parseDeadLetterMessage). */
export type DeadLetterMessage =
  | { readonly kind: 'failed'; readonly message: FailedSplitMessage }
  | { readonly kind: 'undelivered'; readonly message: SplitMessage }
  | { readonly kind: 'unreadable'; readonly body: string; readonly error: string };

function parse<T>(schema: z.ZodType<T>, body: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new PoisonRecordError(`invalid ${what}: the body is not JSON (${(error as Error).message}): ${preview(body)}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PoisonRecordError(`invalid ${what}: the body must be a JSON object (got ${preview(body)})`);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  const got = (value as Record<string, unknown>)[String(issue.path[0])];
  throw new PoisonRecordError(`invalid ${what}: ${issue.message} (got ${got === undefined ? 'nothing' : JSON.stringify(got)})`, { context: { field } });
}

function preview(body: string): string {
  return JSON.stringify(body.length > 200 ? `${body.slice(0, 200)}…` : body);
}
