/**
 * The local event loop behind `adf dev`, against an in-memory SQS (no sockets): the event
 * source mapping's contract — batches, batchItemFailures, whole-batch failures, timeouts,
 * visibility — and clean stops.
 */
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ConfigError } from '../../../lib/errors';
import { LocalEventLoop, failedMessageIds, queueArnFromUrl } from '../../../lib/runtime/local';
import type { InvocationRecord, LocalEventLoopOptions, ReaderHandler, SqsLike } from '../../../lib/runtime/local';

const QUEUE_URL = 'http://sqs.us-east-1.localhost:4566/000000000000/adf-splits';

interface Stored {
  id: string;
  body: string;
  receipt?: string;
  visibleAt: number;
  receives: number;
  sentAt: number;
}

/** An SQS queue in memory: visibility timeouts, receive counts, long polls that end on abort. */
class FakeSqs implements SqsLike {
  readonly messages: Stored[] = [];
  readonly receives: ReceiveMessageCommand['input'][] = [];
  private next = 0;

  add(...bodies: string[]): void {
    for (const body of bodies) this.messages.push({ id: `m${++this.next}`, body, visibleAt: 0, receives: 0, sentAt: Date.now() });
  }

  async send(command: ReceiveMessageCommand | DeleteMessageBatchCommand | GetQueueAttributesCommand, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    if (command instanceof ReceiveMessageCommand) return this.receive(command.input, options?.abortSignal);
    if (command instanceof DeleteMessageBatchCommand) {
      const entries = command.input.Entries ?? [];
      for (const entry of entries) {
        const index = this.messages.findIndex((m) => m.receipt === entry.ReceiptHandle);
        if (index >= 0) this.messages.splice(index, 1);
      }
      return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
    }
    const now = Date.now();
    return {
      Attributes: {
        QueueArn: 'arn:aws:sqs:us-east-1:000000000000:adf-splits',
        ApproximateNumberOfMessages: String(this.messages.filter((m) => m.visibleAt <= now).length),
        ApproximateNumberOfMessagesNotVisible: String(this.messages.filter((m) => m.visibleAt > now).length),
        ApproximateNumberOfMessagesDelayed: '0',
      },
    };
  }

  private async receive(input: ReceiveMessageCommand['input'], signal?: AbortSignal): Promise<{ Messages?: Message[] }> {
    this.receives.push(input);
    const until = Date.now() + (input.WaitTimeSeconds ?? 0) * 1000;
    for (;;) {
      if (signal?.aborted) throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
      const now = Date.now();
      const visible = this.messages.filter((m) => m.visibleAt <= now).slice(0, input.MaxNumberOfMessages ?? 1);
      if (visible.length > 0 || now >= until) {
        return {
          Messages: visible.map((m) => {
            m.receives++;
            m.receipt = `${m.id}-r${m.receives}`;
            m.visibleAt = now + (input.VisibilityTimeout ?? 30) * 1000;
            return {
              MessageId: m.id,
              ReceiptHandle: m.receipt,
              Body: m.body,
              MD5OfBody: 'md5',
              Attributes: { ApproximateReceiveCount: String(m.receives), SentTimestamp: String(m.sentAt) },
            };
          }),
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

function loopWith(sqs: FakeSqs, reader: ReaderHandler, overrides: Partial<LocalEventLoopOptions> = {}) {
  const invocations: InvocationRecord[] = [];
  const loop = new LocalEventLoop({
    handlers: { reader },
    sqs,
    queueUrl: QUEUE_URL,
    visibilityTimeoutSeconds: 0,
    waitTimeSeconds: 0,
    enumerateEveryMs: 0,
    failureHandlerEveryMs: 0,
    onInvocation: (record) => invocations.push(record),
    ...overrides,
  });
  return { loop, invocations };
}

describe('LocalEventLoop', () => {
  it('hands the reader a real SQSEvent and a Lambda-like context, and deletes what succeeded', async () => {
    // Arrange
    const sqs = new FakeSqs();
    sqs.add('{"flow":"f","splitId":"a","token":0}', '{"flow":"f","splitId":"b","token":0}');
    const seen: { event: SQSEvent; context: Context; remaining: number }[] = [];
    const { loop } = loopWith(sqs, async (event, context) => {
      seen.push({ event, context, remaining: context.getRemainingTimeInMillis() });
      return { batchItemFailures: [] };
    }, { batchSize: 10, visibilityTimeoutSeconds: 42, readerTimeoutMs: 5_000 });

    // Act
    const stats = await loop.drain({ timeoutMs: 5_000 });

    // Assert
    expect(sqs.receives[0]).toMatchObject({ QueueUrl: QUEUE_URL, MaxNumberOfMessages: 10, VisibilityTimeout: 42 });
    expect(seen).toHaveLength(1);
    const [record] = seen[0]!.event.Records;
    expect(record).toMatchObject({
      messageId: 'm1',
      receiptHandle: 'm1-r1',
      body: '{"flow":"f","splitId":"a","token":0}',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:adf-splits',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(seen[0]!.event.Records).toHaveLength(2);
    expect(seen[0]!.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[0]!.remaining).toBeGreaterThan(4_000);
    expect(seen[0]!.remaining).toBeLessThanOrEqual(5_000);
    expect(sqs.messages).toHaveLength(0);
    expect(stats).toMatchObject({ messagesReceived: 2, messagesDeleted: 2, messagesRetried: 0, invocations: { reader: 1 } });
  });

  it('leaves batchItemFailures on the queue to come back, with a new request id per invocation', async () => {
    // Arrange
    const sqs = new FakeSqs();
    sqs.add('a', 'b', 'c');
    const requestIds: string[] = [];
    let failedOnce = false;
    const { loop, invocations } = loopWith(sqs, async (event, context) => {
      requestIds.push(context.awsRequestId);
      const b = event.Records.find((r) => r.body === 'b');
      if (b && !failedOnce) {
        failedOnce = true;
        return { batchItemFailures: [{ itemIdentifier: b.messageId }] };
      }
      return undefined;
    }, { batchSize: 3 });

    // Act
    const stats = await loop.drain({ timeoutMs: 5_000 });

    // Assert
    expect(invocations.map((i) => [i.messages, i.deleted, i.retried])).toEqual([[3, 2, 1], [1, 1, 0]]);
    expect(new Set(requestIds).size).toBe(2);
    expect(stats).toMatchObject({ messagesReceived: 4, messagesDeleted: 3, messagesRetried: 1 });
  });

  it('keeps the whole batch when the reader throws, as the event source mapping does', async () => {
    const sqs = new FakeSqs();
    sqs.add('a', 'b');
    const { loop, invocations } = loopWith(sqs, async () => {
      throw new Error('store unreachable');
    }, { batchSize: 2, visibilityTimeoutSeconds: 60 });

    await loop.pollOnce();

    expect(invocations[0]).toMatchObject({ outcome: 'error', messages: 2, deleted: 0, retried: 2 });
    expect(invocations[0]!.error?.message).toBe('store unreachable');
    expect(sqs.messages).toHaveLength(2);
    expect(loop.stats()).toMatchObject({ errors: 1, messagesRetried: 2 });
  });

  it('keeps the whole batch on an invalid batchItemFailures response', async () => {
    const sqs = new FakeSqs();
    sqs.add('a', 'b');
    const { loop, invocations } = loopWith(sqs, async () => ({ batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] }) as SQSBatchResponse, {
      batchSize: 2,
      visibilityTimeoutSeconds: 60,
    });

    await loop.pollOnce();

    expect(invocations[0]).toMatchObject({ outcome: 'ok', deleted: 0, retried: 2 });
    expect(sqs.messages).toHaveLength(2);
  });

  it('fails a reader that overruns its timeout and waits for it on stop', async () => {
    const sqs = new FakeSqs();
    sqs.add('a');
    let finished = false;
    const { loop, invocations } = loopWith(sqs, async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      finished = true;
    }, { readerTimeoutMs: 20, visibilityTimeoutSeconds: 60 });

    await loop.pollOnce();
    await loop.stop();

    expect(invocations[0]).toMatchObject({ outcome: 'timeout', deleted: 0, retried: 1 });
    expect(loop.stats().timeouts).toBe(1);
    expect(finished).toBe(true);
    expect(sqs.messages).toHaveLength(1);
  });

  it('runs the enumerator at start and on its schedule, and stops on an AbortSignal mid long-poll', async () => {
    // Arrange
    const sqs = new FakeSqs();
    const enumerated: unknown[] = [];
    const failureHandled: unknown[] = [];
    const controller = new AbortController();
    const { loop } = loopWith(sqs, async () => undefined, {
      handlers: {
        enumerator: async (event) => {
          enumerated.push(event);
          if (enumerated.length === 3) controller.abort();
          return { created: 0 };
        },
        reader: async () => undefined,
        failureHandler: async (event) => void failureHandled.push(event),
      },
      enumerateEveryMs: 20,
      failureHandlerEveryMs: 10,
      waitTimeSeconds: 20,
    });

    // Act
    const started = Date.now();
    const stats = await loop.runUntil(controller.signal);

    // Assert: the 20 s long poll was cut short.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(loop.isRunning).toBe(false);
    expect(stats.invocations.enumerator).toBe(3);
    expect(stats.invocations.failureHandler).toBeGreaterThanOrEqual(1);
    expect(enumerated[0]).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events' });
  });

  it('runs until a predicate holds', async () => {
    const sqs = new FakeSqs();
    sqs.add('a', 'b', 'c');
    const { loop } = loopWith(sqs, async () => undefined, { batchSize: 1, waitTimeSeconds: 1 });

    const stats = await loop.runUntil(() => loop.stats().messagesDeleted === 3, { timeoutMs: 5_000, checkEveryMs: 5 });

    expect(stats.invocations.reader).toBe(3);
    expect(sqs.messages).toHaveLength(0);
  });

  it('gives each concurrent poller its own container', async () => {
    const sqs = new FakeSqs();
    sqs.add('a', 'b', 'c', 'd');
    let containers = 0;
    const { loop } = loopWith(sqs, async () => undefined, {
      handlers: () => {
        containers++;
        return { reader: async () => undefined };
      },
      concurrency: 2,
      batchSize: 1,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 30,
    });

    const stats = await loop.runUntil(() => loop.stats().messagesDeleted === 4, { timeoutMs: 5_000, checkEveryMs: 5 });

    expect(containers).toBe(2);
    expect(stats).toMatchObject({ messagesReceived: 4, messagesDeleted: 4 });
  });

  it.each([
    [{ batchSize: 11 }, 'batchSize must be between 1 and 10 (got 11)'],
    [{ queueUrl: 'adf-splits' }, 'queueUrl must be a URL'],
    [{ waitTimeSeconds: 21 }, 'waitTimeSeconds must be between 0 and 20 (got 21)'],
    [{ concurrency: 2 }, 'concurrency > 1 needs handlers as a factory'],
  ])('rejects %j with a message naming the option', (overrides, message) => {
    const make = () => new LocalEventLoop({ handlers: { reader: async () => undefined }, sqs: new FakeSqs(), queueUrl: QUEUE_URL, ...overrides });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(message);
  });
});

describe('failedMessageIds', () => {
  const event = { Records: [{ messageId: 'a' }, { messageId: 'b' }] } as SQSEvent;

  it.each([
    ['no response', undefined, [], false],
    ['null', null, [], false],
    ['empty failures', { batchItemFailures: [] }, [], false],
    ['null failures', { batchItemFailures: null }, [], false],
    ['one failure', { batchItemFailures: [{ itemIdentifier: 'b' }] }, ['b'], false],
    ['an unknown id', { batchItemFailures: [{ itemIdentifier: 'x' }] }, ['a', 'b'], true],
    ['an empty id', { batchItemFailures: [{ itemIdentifier: '' }] }, ['a', 'b'], true],
    ['a bad key', { batchItemFailures: [{ id: 'a' }] }, ['a', 'b'], true],
    ['not an object', 'ok', ['a', 'b'], true],
  ])('reads %s as the event source mapping does', (_name, response, ids, wholeBatch) => {
    const result = failedMessageIds(response, event);
    expect([...result.ids].sort()).toEqual(ids);
    expect(result.wholeBatch).toBe(wholeBatch);
  });
});

describe('queueArnFromUrl', () => {
  it('takes the account and name from the URL path', () => {
    expect(queueArnFromUrl(QUEUE_URL, 'eu-west-1')).toBe('arn:aws:sqs:eu-west-1:000000000000:adf-splits');
  });
});
