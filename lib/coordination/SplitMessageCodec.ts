/**
 * Split messages as they travel in queue bodies: JSON `{ flow, splitId, token, idleRounds? }`,
 * and for dead letters `{ flow, splitId, token, error, attempts }`. No SDK import, so the
 * reader can validate bodies without pulling in a queue client.
 */
import { z } from 'zod';
import { PoisonRecordError } from '../errors';
import type { FailedSplitMessage, SplitMessage } from './SplitQueue';

/** Dead-letter bodies keep at most this much of the error text (an SQS message holds 256 KiB). */
export const MAX_DEAD_LETTER_ERROR_CHARS = 8192;

const count = (field: string) =>
  z.number({ error: `${field} must be a non-negative integer` }).int(`${field} must be a non-negative integer`).min(0, `${field} must be a non-negative integer`);
const text = (field: string) => z.string({ error: `${field} must be a non-empty string` }).min(1, `${field} must be a non-empty string`);

const splitMessageFields = {
  flow: text('flow'),
  splitId: text('splitId'),
  token: count('token'),
  idleRounds: count('idleRounds').optional(),
};
const splitMessageSchema = z.object(splitMessageFields);
const failedSplitMessageSchema = z.object({
  ...splitMessageFields,
  error: z.string({ error: 'error must be a string' }),
  attempts: count('attempts'),
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
  return parse(splitMessageSchema, body, 'split message');
}

/** Validates a dead-letter body, as written by SplitQueue#deadLetter. */
export function parseFailedSplitMessage(body: string): FailedSplitMessage {
  return parse(failedSplitMessageSchema, body, 'failed split message');
}

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
