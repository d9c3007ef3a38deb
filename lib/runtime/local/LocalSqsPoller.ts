import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { DeleteMessageBatchCommandOutput, GetQueueAttributesCommandOutput, Message, ReceiveMessageCommandOutput } from '@aws-sdk/client-sqs';
import type { SqsLike } from './LocalEventLoopOptions';
import { queueArnFromUrl } from './SqsEventFactory';

export interface LocalSqsPollerOptions {
  readonly sqs: SqsLike;
  readonly queueUrl: string;
  /** Default: from GetQueueAttributes, else derived from the URL. */
  readonly queueArn?: string;
  readonly region: string;
  /** ReceiveMessage MaxNumberOfMessages. */
  readonly batchSize: number;
  /** Seconds a received message stays hidden; one that is not deleted reappears after it. */
  readonly visibilityTimeoutSeconds: number;
  readonly log: (line: string) => void;
}

/**
 * The split queue as the SQS event source mapping sees it: long-poll receives that hide the
 * messages for the visibility timeout, batch deletes of the ones a reader finished, and the
 * queue's depth. A message that is not deleted (failed, or its delete failed) simply becomes
 * visible again after the visibility timeout; nothing here retries it.
 *
 * @example
 * const poller = new LocalSqsPoller({ sqs, queueUrl, region: 'us-east-1', batchSize: 5, visibilityTimeoutSeconds: 720, log: console.error });
 * const messages = await poller.receive(20);
 * await poller.deleteMessages(messages);
 */
export class LocalSqsPoller {
  private arn: string | undefined;

  constructor(private readonly options: LocalSqsPollerOptions) {
    this.arn = options.queueArn;
  }

  /** Up to batchSize messages, waiting up to `waitTimeSeconds` for the first. */
  async receive(waitTimeSeconds: number, signal?: AbortSignal): Promise<Message[]> {
    const received = (await this.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: this.options.batchSize,
        VisibilityTimeout: this.options.visibilityTimeoutSeconds,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      signal,
    )) as ReceiveMessageCommandOutput;
    return received.Messages ?? [];
  }

  /** Deletes in one batch (at most 10 messages); a message that fails to delete simply comes back. */
  async deleteMessages(messages: Message[]): Promise<number> {
    if (messages.length === 0) return 0;
    try {
      const output = (await this.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      )) as DeleteMessageBatchCommandOutput;
      const failedDeletes = output.Failed ?? [];
      for (const f of failedDeletes) this.options.log(`delete failed for message ${messages[Number(f.Id)]?.MessageId}: ${f.Code} ${f.Message ?? ''}; it will be delivered again`);
      return messages.length - failedDeletes.length;
    } catch (error) {
      this.options.log(`DeleteMessageBatch failed: ${(error as Error).message}; ${messages.length} message(s) will be delivered again`);
      return 0;
    }
  }

  /** Messages on the queue: visible, in flight (received, not yet deleted) and delayed. */
  async messagesLeft(): Promise<number> {
    const { Attributes = {} } = (await this.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.options.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    )) as GetQueueAttributesCommandOutput;
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  }

  /** The queue's ARN for eventSourceARN: asked once, else derived from the URL (emulators may not know it). */
  async queueArn(): Promise<string> {
    if (this.arn) return this.arn;
    try {
      const { Attributes = {} } = (await this.send(
        new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ['QueueArn'] }),
      )) as GetQueueAttributesCommandOutput;
      this.arn = Attributes.QueueArn ?? queueArnFromUrl(this.options.queueUrl, this.options.region);
    } catch {
      this.arn = queueArnFromUrl(this.options.queueUrl, this.options.region);
    }
    return this.arn;
  }

  private send(command: ReceiveMessageCommand | DeleteMessageBatchCommand | GetQueueAttributesCommand, signal?: AbortSignal): Promise<unknown> {
    return this.options.sqs.send(command, signal ? { abortSignal: signal } : undefined);
  }
}
