import { GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { lazySchema } from '../util/lazySchema';
import { wrapAwsError } from '../aws/errors';
import { AdfError, RetryableError } from '../errors';
import { mapWithConcurrency } from './mapWithConcurrency';
import { parseOptions } from './parseOptions';
import { formatFailedSplitMessage, formatSplitMessage } from './SplitMessageCodec';
import type { FailedSplitMessage, SplitMessage, SplitQueue } from './SplitQueue';

export { parseSplitMessage, parseFailedSplitMessage, parseDeadLetterMessage } from './SplitMessageCodec';

/** Tunables of the SQS split queue, with their defaults in one place. */
export const SQS_SPLIT_QUEUE_DEFAULTS = {
  /** Tries per batch entry the service rejects (first try included). */
  maxSendAttempts: 4,
  /** Wait before the 2nd try; doubles for each further one (50, 100, 200 ms). */
  retryBaseDelayMs: 50,
  /** SendMessageBatch requests in flight during one enqueue. */
  sendConcurrency: 4,
} as const;

/** SQS limits. */
const MAX_BATCH_ENTRIES = 10;
const MAX_DELAY_SECONDS = 900;

export interface SqsSplitQueueOptions {
  /** Built once per container (lib/aws/sqsClient), so warm Lambdas keep their connections. */
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly maxSendAttempts?: number;
  readonly retryBaseDelayMs?: number;
  readonly sendConcurrency?: number;
}

const optionsSchema = lazySchema((z) => z.object({
  queueUrl: z.string().url('queueUrl must be a URL'),
  dlqUrl: z.string().url('dlqUrl must be a URL'),
  maxSendAttempts: z.number().int('maxSendAttempts must be a whole number').min(1, 'maxSendAttempts must be between 1 and 20').max(20, 'maxSendAttempts must be between 1 and 20'),
  retryBaseDelayMs: z.number().int('retryBaseDelayMs must be a whole number').min(0, 'retryBaseDelayMs must be between 0 and 10000').max(10_000, 'retryBaseDelayMs must be between 0 and 10000'),
  sendConcurrency: z.number().int('sendConcurrency must be a whole number').min(1, 'sendConcurrency must be between 1 and 64').max(64, 'sendConcurrency must be between 1 and 64'),
}));

/**
 * The SQS queue that drives serverless readers. Messages go out in batches of ten; entries
 * SQS rejects for its own reasons are sent again with a short backoff, and whatever still
 * fails is thrown (RetryableError naming the splits), never dropped. Entries rejected as
 * malformed (SenderFault) are thrown at once as AdfError: sending them again cannot help.
 *
 * Not atomic across batches: when enqueue throws, earlier batches may have been sent. Sending
 * those again is harmless, as a reader drops a message whose token is stale or whose split is
 * held or done.
 *
 * @example
 * const queue = new SqsSplitQueue({ client: sharedSqsClient(), queueUrl, dlqUrl });
 * await queue.enqueue([{ flow: 'orders', splitId: 'a.csv', token: 0 }]);
 */
export class SqsSplitQueue implements SplitQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly dlqUrl: string;
  private readonly maxSendAttempts: number;
  private readonly retryBaseDelayMs: number;
  private readonly sendConcurrency: number;

  constructor(options: SqsSplitQueueOptions) {
    const settings = parseOptions(optionsSchema(), SQS_SPLIT_QUEUE_DEFAULTS, options);
    this.client = options.client;
    ({ queueUrl: this.queueUrl, dlqUrl: this.dlqUrl, maxSendAttempts: this.maxSendAttempts, retryBaseDelayMs: this.retryBaseDelayMs, sendConcurrency: this.sendConcurrency } = settings);
  }

  /** `delaySeconds` is rounded up and clamped to SQS's 0..900. */
  async enqueue(messages: SplitMessage[], delaySeconds = 0): Promise<void> {
    const delay = clampDelaySeconds(delaySeconds);
    const batches: SplitMessage[][] = [];
    for (let i = 0; i < messages.length; i += MAX_BATCH_ENTRIES) batches.push(messages.slice(i, i + MAX_BATCH_ENTRIES));
    await mapWithConcurrency(batches, this.sendConcurrency, (batch) => this.sendBatch(batch, delay));
  }

  async deadLetter(message: FailedSplitMessage): Promise<void> {
    try {
      await this.client.send(new SendMessageCommand({ QueueUrl: this.dlqUrl, MessageBody: formatFailedSplitMessage(message) }));
    } catch (error) {
      throw wrapAwsError(error, `dead-letter split ${message.splitId}`, { splitId: message.splitId, queueUrl: this.dlqUrl });
    }
  }

  async deadLetterUnreadable(body: string, reason: string): Promise<void> {
    try {
      await this.client.send(
        new SendMessageCommand({ QueueUrl: this.dlqUrl, MessageBody: body === '' ? '(empty body)' : body, MessageAttributes: { 'adf-reason': { DataType: 'String', StringValue: reason.slice(0, 1000) } } }),
      );
    } catch (error) {
      throw wrapAwsError(error, 'dead-letter an unreadable split message', { queueUrl: this.dlqUrl });
    }
  }

  async messagesOnQueue(): Promise<number> {
    try {
      const { Attributes: a = {} } = await this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: this.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
      );
      return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
    } catch (error) {
      throw wrapAwsError(error, 'GetQueueAttributes of the split queue', { queueUrl: this.queueUrl });
    }
  }

  private async sendBatch(batch: SplitMessage[], delaySeconds: number): Promise<void> {
    // Entry ids are positions in the batch: unique within the request, as SQS requires.
    let entries = batch.map((message, index): SendMessageBatchRequestEntry => ({ Id: String(index), MessageBody: formatSplitMessage(message), DelaySeconds: delaySeconds }));
    const splitIdOf = (entry: SendMessageBatchRequestEntry) => batch[Number(entry.Id)]!.splitId;
    for (let attempt = 1; ; attempt++) {
      let failed;
      try {
        ({ Failed: failed } = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries })));
      } catch (error) {
        throw wrapAwsError(error, `enqueue splits ${entries.map(splitIdOf).join(', ')}`, { splitId: splitIdOf(entries[0]!), queueUrl: this.queueUrl });
      }
      if (failed === undefined || failed.length === 0) return;
      const byId = new Map(entries.map((entry) => [entry.Id!, entry]));
      entries = failed.map((f) => byId.get(f.Id ?? '')).filter((entry): entry is SendMessageBatchRequestEntry => entry !== undefined);
      const first = failed[0]!;
      const reason = `${first.Code ?? 'unknown'}: ${first.Message ?? 'no message'}`;
      const splitIds = entries.map(splitIdOf);
      const context = { splitId: splitIds[0], splitIds, queueUrl: this.queueUrl };
      if (failed.some((f) => f.SenderFault)) {
        throw new AdfError(`SQS rejected the messages of splits ${splitIds.join(', ')} as malformed (${reason})`, { context });
      }
      if (entries.length === 0) return; // only ids we never sent: nothing of ours failed
      if (attempt >= this.maxSendAttempts) {
        throw new RetryableError(`could not enqueue splits ${splitIds.join(', ')} after ${attempt} attempts (${reason})`, { context });
      }
      await sleep(this.retryBaseDelayMs * 2 ** (attempt - 1));
    }
  }
}

/** Whole seconds within SQS's 0..900; anything not a finite number means no delay. */
export function clampDelaySeconds(delaySeconds: number): number {
  return Number.isFinite(delaySeconds) ? Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds))) : 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
