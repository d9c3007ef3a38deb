/**
 * SqsSplitQueue on fauxqs (or LocalStack with ADF_TEST_AWS=localstack): batching, delays,
 * dead letters, and the message bodies the reader parses. Retries of rejected entries use a
 * scripted client, as no emulator rejects single entries on demand.
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageBatchCommand, type SendMessageBatchCommandInput, type BatchResultErrorEntry, type Message } from '@aws-sdk/client-sqs';
import { ensureSplitQueues } from '../../../lib/aws/resources';
import { SqsSplitQueue, clampDelaySeconds, parseDeadLetterMessage, parseFailedSplitMessage, parseSplitMessage, type SqsSplitQueueOptions } from '../../../lib/coordination/aws';
import type { SplitMessage } from '../../../lib/coordination/SplitQueue';
import { AdfError, ConfigError, PoisonRecordError, RetryableError } from '../../../lib/errors';
import { useAwsTestEnv } from '../../helpers/awsEnv';

const message = (i: number, token = 0): SplitMessage => ({ flow: 'orders', splitId: `in/part-${i}.csv`, token });

describe('SqsSplitQueue', () => {
  const aws = useAwsTestEnv({ dynamodb: 'dynalite' }); // DynamoDB is not used here; the fastest to start
  let queueUrl: string;
  let dlqUrl: string;
  let queue: SqsSplitQueue;

  beforeAll(async () => {
    ({ queueUrl, dlqUrl } = await ensureSplitQueues(aws().clients.sqs, aws().names));
    queue = new SqsSplitQueue({ client: aws().clients.sqs, queueUrl, dlqUrl });
  });

  /** Receives (and deletes) until `count` messages arrived or `timeoutMs` passed. */
  async function receive(url: string, count: number, timeoutMs = 5000): Promise<Message[]> {
    const received: Message[] = [];
    const deadline = Date.now() + timeoutMs;
    while (received.length < count && Date.now() < deadline) {
      const { Messages = [] } = await aws().clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const m of Messages) {
        received.push(m);
        await aws().clients.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    return received;
  }

  it('sends 25 messages in batches of ten, and every one arrives', async () => {
    // Arrange
    const messages = Array.from({ length: 25 }, (_, i) => message(i, i % 3));
    const send = jest.spyOn(aws().clients.sqs, 'send');

    try {
      // Act
      await queue.enqueue(messages);

      // Assert
      const batches = send.mock.calls.map(([command]) => command).filter((c) => c instanceof SendMessageBatchCommand) as unknown as SendMessageBatchCommand[];
      expect(batches.map((b) => b.input.Entries?.length)).toEqual([10, 10, 5]);
    } finally {
      send.mockRestore();
    }
    const received = await receive(queueUrl, 25);
    expect(received.map((m) => parseSplitMessage(m.Body!)).sort((a, b) => a.splitId.localeCompare(b.splitId))).toEqual([...messages].sort((a, b) => a.splitId.localeCompare(b.splitId)));
    expect(JSON.parse(received[0]!.Body!)).toEqual({ flow: 'orders', splitId: expect.any(String), token: expect.any(Number) });
  });

  it('sends nothing for no messages', async () => {
    const send = jest.spyOn(aws().clients.sqs, 'send');
    try {
      await queue.enqueue([]);
      expect(send).not.toHaveBeenCalled();
    } finally {
      send.mockRestore();
    }
  });

  it('holds a message back for the delay asked for', async () => {
    // Arrange
    const sent = Date.now();

    // Act
    await queue.enqueue([{ ...message(1, 4), idleRounds: 2 }], 1);

    // Assert
    const { Messages = [] } = await aws().clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    expect(Messages).toHaveLength(0);
    const [later] = await receive(queueUrl, 1, 5000);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(900);
    expect(parseSplitMessage(later!.Body!)).toEqual({ ...message(1, 4), idleRounds: 2 });
  });

  it('dead-letters a failed split with its error and attempts', async () => {
    // Act
    await queue.deadLetter({ flow: 'orders', splitId: 'in/bad.csv', token: 7, error: 'SplitFailedError: the object changed', attempts: 3 });

    // Assert
    const [dead] = await receive(dlqUrl, 1);
    expect(JSON.parse(dead!.Body!)).toEqual({ flow: 'orders', splitId: 'in/bad.csv', token: 7, error: 'SplitFailedError: the object changed', attempts: 3 });
    expect(parseFailedSplitMessage(dead!.Body!)).toMatchObject({ splitId: 'in/bad.csv', attempts: 3 });
  });

  it('cuts a huge error so the dead letter stays within the message size limit', async () => {
    await queue.deadLetter({ ...message(2), error: 'x'.repeat(300_000), attempts: 1 });
    const [dead] = await receive(dlqUrl, 1);
    const body = parseFailedSplitMessage(dead!.Body!);
    expect(body.error.length).toBeLessThan(10_000);
    expect(body.error).toMatch(/^x+… \(cut\)$/);
  });

  it('wraps a failed request once, naming the splits', async () => {
    const broken = new SqsSplitQueue({ client: aws().clients.sqs, queueUrl: `${queueUrl}-missing`, dlqUrl });
    const error = await broken.enqueue([message(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdfError);
    expect((error as AdfError).message).toContain('enqueue splits in/part-1.csv');
  });
});

describe('the split DLQ, fed by deadLetter and by the redrive policy', () => {
  const aws = useAwsTestEnv({ dynamodb: 'dynalite' });

  it('holds failed splits and redriven split messages, told apart by parseDeadLetterMessage', async () => {
    // Arrange: queues that redrive after one receive
    const sqs = aws().clients.sqs;
    const { queueUrl, dlqUrl } = await ensureSplitQueues(sqs, { queueName: `${aws().names.queueName}-redrive`, dlqName: `${aws().names.dlqName}-redrive` }, {
      visibilityTimeoutSeconds: 0, maxReceiveCount: 1, messageRetentionSeconds: 3600, dlqRetentionSeconds: 3600,
    });
    const queue = new SqsSplitQueue({ client: sqs, queueUrl, dlqUrl });
    await queue.enqueue([{ flow: 'orders', splitId: 'stuck.csv', token: 4 }]);
    await queue.deadLetter({ flow: 'orders', splitId: 'bad.csv', token: 2, error: 'row 7: not a number', attempts: 3 });

    // Act: a receive that never settles its message (a reader failing before its claim), until SQS moves it
    for (let i = 0; i < 10; i++) await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 0 }));
    const bodies: string[] = [];
    for (let i = 0; i < 10 && bodies.length < 2; i++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const m of Messages) {
        bodies.push(m.Body!);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }

    // Assert
    const letters = bodies.map(parseDeadLetterMessage).sort((a, b) => a.kind.localeCompare(b.kind));
    expect(letters).toEqual([
      { kind: 'failed', message: { flow: 'orders', splitId: 'bad.csv', token: 2, error: 'row 7: not a number', attempts: 3 } },
      { kind: 'undelivered', message: { flow: 'orders', splitId: 'stuck.csv', token: 4 } },
    ]);
  });
});

describe('SqsSplitQueue with entries the service rejects', () => {
  type Reply = { Failed?: BatchResultErrorEntry[] };
  /** A client that answers SendMessageBatch from a script, and records what it was sent. */
  function scriptedClient(replies: ((input: SendMessageBatchCommandInput) => Reply)[]) {
    const inputs: SendMessageBatchCommandInput[] = [];
    const client = {
      send: async (command: SendMessageBatchCommand) => {
        inputs.push(command.input);
        const reply = replies[Math.min(inputs.length - 1, replies.length - 1)]!;
        return reply(command.input);
      },
    } as unknown as SqsSplitQueueOptions['client'];
    return { client, inputs };
  }
  const failing = (ids: string[], senderFault = false) => () => ({ Failed: ids.map((Id) => ({ Id, SenderFault: senderFault, Code: senderFault ? 'InvalidParameterValue' : 'InternalError', Message: 'try again' })) });
  const ok = () => ({ Failed: [] });
  const options = { queueUrl: 'http://127.0.0.1:1/000000000000/q', dlqUrl: 'http://127.0.0.1:1/000000000000/dlq', retryBaseDelayMs: 1 };

  it('sends rejected entries again, and only those', async () => {
    // Arrange
    const { client, inputs } = scriptedClient([failing(['1', '2']), ok]);
    const queue = new SqsSplitQueue({ client, ...options });

    // Act
    await queue.enqueue([message(0), message(1), message(2)], 3);

    // Assert
    expect(inputs).toHaveLength(2);
    expect(inputs[1]!.Entries!.map((e) => JSON.parse(e.MessageBody!).splitId)).toEqual(['in/part-1.csv', 'in/part-2.csv']);
    expect(inputs[1]!.Entries!.every((e) => e.DelaySeconds === 3)).toBe(true);
  });

  it('throws a RetryableError naming the splits that still failed after the last attempt', async () => {
    // Arrange
    const { client, inputs } = scriptedClient([failing(['1'])]);
    const queue = new SqsSplitQueue({ client, ...options, maxSendAttempts: 3 });

    // Act
    const error = await queue.enqueue([message(0), message(1)]).catch((e: unknown) => e);

    // Assert
    expect(inputs).toHaveLength(3);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toBe('could not enqueue splits in/part-1.csv after 3 attempts (InternalError: try again)');
    expect((error as AdfError).context).toMatchObject({ splitId: 'in/part-1.csv', splitIds: ['in/part-1.csv'] });
  });

  it('does not retry entries rejected as malformed', async () => {
    const { client, inputs } = scriptedClient([failing(['0'], true)]);
    const error = await new SqsSplitQueue({ client, ...options }).enqueue([message(0)]).catch((e: unknown) => e);
    expect(inputs).toHaveLength(1);
    expect(error).toBeInstanceOf(AdfError);
    expect(error).not.toBeInstanceOf(RetryableError);
    expect((error as Error).message).toContain('in/part-0.csv');
  });

  it('clamps the delay to what SQS allows, in whole seconds', async () => {
    expect([-5, 0, 0.2, 1, 899.5, 900, 5000, Number.NaN, Number.POSITIVE_INFINITY].map(clampDelaySeconds)).toEqual([0, 0, 1, 1, 900, 900, 900, 0, 0]);
    const { client, inputs } = scriptedClient([ok]);
    await new SqsSplitQueue({ client, ...options }).enqueue([message(0)], 5000);
    expect(inputs[0]!.Entries![0]!.DelaySeconds).toBe(900);
  });

  it('validates its options at construction, naming the field', () => {
    const { client } = scriptedClient([ok]);
    expect(() => new SqsSplitQueue({ client, ...options, queueUrl: 'orders' })).toThrow(ConfigError);
    expect(() => new SqsSplitQueue({ client, ...options, maxSendAttempts: 0 })).toThrow('maxSendAttempts must be between 1 and 20 (got 0)');
  });
});

describe('parseSplitMessage', () => {
  it('accepts a message body, with or without idleRounds, ignoring unknown fields', () => {
    expect(parseSplitMessage('{"flow":"orders","splitId":"a.csv","token":3}')).toEqual({ flow: 'orders', splitId: 'a.csv', token: 3 });
    expect(parseSplitMessage('{"flow":"orders","splitId":"a.csv","token":0,"idleRounds":2,"extra":true}')).toEqual({ flow: 'orders', splitId: 'a.csv', token: 0, idleRounds: 2 });
  });

  it.each([
    ['not JSON', 'hello', /invalid split message: the body is not JSON/],
    ['an array', '[1,2]', /the body must be a JSON object \(got "\[1,2\]"\)/],
    ['no token', '{"flow":"orders","splitId":"a"}', /token must be a non-negative integer \(got nothing\)/],
    ['a token as text', '{"flow":"orders","splitId":"a","token":"1"}', /token must be a non-negative integer \(got "1"\)/],
    ['a negative token', '{"flow":"orders","splitId":"a","token":-1}', /token must be a non-negative integer \(got -1\)/],
    ['a fractional token', '{"flow":"orders","splitId":"a","token":1.5}', /token must be a non-negative integer \(got 1.5\)/],
    ['an empty flow', '{"flow":"","splitId":"a","token":1}', /flow must be a non-empty string \(got ""\)/],
    ['a numeric splitId', '{"flow":"orders","splitId":5,"token":1}', /splitId must be a non-empty string \(got 5\)/],
    ['negative idleRounds', '{"flow":"orders","splitId":"a","token":1,"idleRounds":-1}', /idleRounds must be a non-negative integer \(got -1\)/],
  ])('rejects a body with %s as a poison message naming the field', (_case, body, expected) => {
    expect(() => parseSplitMessage(body)).toThrow(PoisonRecordError);
    expect(() => parseSplitMessage(body)).toThrow(expected);
  });

  it('names the field in the error context', () => {
    const error = (() => {
      try {
        parseSplitMessage('{"flow":"orders","token":1}');
      } catch (e) {
        return e as AdfError;
      }
    })();
    expect(error?.context.field).toBe('splitId');
  });
});
