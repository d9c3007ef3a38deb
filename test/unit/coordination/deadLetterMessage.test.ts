/**
 * The split DLQ's one format: what SplitQueue#deadLetter writes (a FAILED split) and what the
 * queue's redrive policy moves there (a raw split message) are told apart, and no body throws.
 */
import fc from 'fast-check';
import { formatFailedSplitMessage, formatSplitMessage, parseDeadLetterMessage, parseFailedSplitMessage } from '../../../lib/coordination/SplitMessageCodec';
import { PoisonRecordError } from '../../../lib/errors';

const text = fc.string({ minLength: 1, maxLength: 40 });
const count = fc.nat({ max: 1_000_000 });
const splitMessage = fc.record({ flow: text, splitId: text, token: count, idleRounds: fc.option(count, { nil: undefined }) });
const failedMessage = fc.record({ flow: text, splitId: text, token: count, error: fc.string({ maxLength: 200 }), attempts: count });

describe('parseDeadLetterMessage', () => {
  it('reads what deadLetter writes as a failed split, with its error and attempts', () => {
    fc.assert(
      fc.property(failedMessage, (m) => {
        expect(parseDeadLetterMessage(formatFailedSplitMessage(m))).toEqual({ kind: 'failed', message: m });
      }),
    );
  });

  it('reads a split message the redrive policy moved there as undelivered, not as a failed split', () => {
    fc.assert(
      fc.property(splitMessage, (m) => {
        const { idleRounds, ...rest } = m;
        expect(parseDeadLetterMessage(formatSplitMessage(m))).toEqual({ kind: 'undelivered', message: idleRounds === undefined ? rest : m });
      }),
    );
  });

  it('never throws: any other body is unreadable, and kept whole', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
        const letter = parseDeadLetterMessage(body);
        if (letter.kind === 'unreadable') expect(letter.body).toBe(body);
        else expect(['failed', 'undelivered']).toContain(letter.kind);
      }),
    );
    expect(parseDeadLetterMessage('{"flow":"f","splitId":"a"}')).toEqual({ kind: 'unreadable', body: '{"flow":"f","splitId":"a"}', error: expect.stringContaining('token') });
  });

  it('parseFailedSplitMessage refuses a redriven split message with a message that says what it is', () => {
    const body = formatSplitMessage({ flow: 'orders', splitId: 'a.csv', token: 3 });
    expect(() => parseFailedSplitMessage(body)).toThrow(PoisonRecordError);
    expect(() => parseFailedSplitMessage(body)).toThrow(/SQS moved to the DLQ after maxReceiveCount receives \(split a\.csv\); read DLQ bodies with parseDeadLetterMessage/);
  });
});
