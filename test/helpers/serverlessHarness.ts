import { randomUUID } from 'node:crypto';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ensureResources } from '../../lib/aws/resources';
import { DynamoSplitStore } from '../../lib/coordination/DynamoSplitStore';
import { parseSplitMessage, SqsSplitQueue } from '../../lib/coordination/SqsSplitQueue';
import type { SplitMessage } from '../../lib/coordination/SplitQueue';
import type { Flow } from '../../lib/flow/Flow';
import { processSplitMessage } from '../../lib/runtime/serverless/ReaderInvocation';
import type { ReaderOutcome } from '../../lib/runtime/serverless/ReaderInvocation';
import { SERVERLESS_DEFAULTS } from '../../lib/runtime/serverless/ServerlessConfig';
import type { ServerlessConfig } from '../../lib/runtime/serverless/ServerlessConfig';
import type { ServerlessDeps } from '../../lib/runtime/serverless/ServerlessDeps';
import { serverlessSinks } from '../../lib/runtime/serverless/serverlessSinks';
import type { AwsTestEnv } from './awsEnv';

let counter = 0;

export interface DrainOptions {
  /** The remaining time each invocation is given (its Lambda timeout). */
  remainingMs?: number;
  maxMessages?: number;
  /**
   * Stop as soon as this holds (checked before each receive and after each message), even
   * though messages wait: the continuations of unbounded splits never empty the queue.
   * Messages received but not processed are made visible again at once.
   */
  until?: () => boolean | Promise<boolean>;
  /** Stop after this many receives in a row that got nothing (delayed messages only). */
  maxIdleReceives?: number;
  /** Stop after this long, whatever is left, so a test fails on its assertions rather than on a timeout. */
  timeoutMs?: number;
  /** Called (and awaited) after each message with what became of it and when it was received (epoch ms). */
  onMessage?: (message: SplitMessage, outcome: ReaderOutcome, receivedAt: number) => void | Promise<void>;
}

export interface ServerlessHarness {
  readonly deps: ServerlessDeps;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  /** Receives and processes split messages the way the reader Lambda would, until the queue is empty (or `until` holds). */
  drain(options?: DrainOptions): Promise<ReaderOutcome[]>;
  receiveDlq(): Promise<unknown[]>;
  /** Takes the waiting split messages off the queue unprocessed, for a test to drive by hand. */
  takeMessages(): Promise<SplitMessage[]>;
}

/** Resources of its own (table rows keyed by a unique flow, its own queues) and the deps of the three functions. */
export async function serverlessHarness(aws: AwsTestEnv, flow: Flow, config: Partial<ServerlessConfig> = {}): Promise<ServerlessHarness> {
  const n = ++counter;
  const names = { ...aws.names, queueName: `${aws.names.queueName}-${n}`, dlqName: `${aws.names.dlqName}-${n}` };
  const { queueUrl, dlqUrl } = await ensureResources(aws.clients, names);
  const fullConfig: ServerlessConfig = {
    ...SERVERLESS_DEFAULTS, flow: { name: flow.name, source: 'test', sink: 'test' }, tableName: names.tableName, queueUrl, dlqUrl,
    timeMarginMs: 1_000, leaseGraceMs: 2_000, sinkRequestTimeoutMs: 1_000, allowLocalSinks: true, ...config,
  };
  const deps: ServerlessDeps = {
    flow,
    config: fullConfig,
    store: new DynamoSplitStore({ client: aws.clients.documents, tableName: names.tableName, flow: flow.name, finishedTtlDays: 1 }),
    queue: new SqsSplitQueue({ client: aws.clients.sqs, queueUrl, dlqUrl }),
    // The sinks as the reader Lambda opens them: staged under the lease token, published after the commit.
    ...serverlessSinks(flow, fullConfig, aws.clients.s3),
  };
  const sqs = aws.clients.sqs;

  async function queueIsEmpty(): Promise<boolean> {
    const { Attributes: a = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }));
    return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible) + Number(a.ApproximateNumberOfMessagesDelayed) === 0;
  }

  return {
    deps,
    queueUrl,
    dlqUrl,
    async drain({ remainingMs = 60_000, maxMessages = 10_000, until, maxIdleReceives = Infinity, timeoutMs = Infinity, onMessage }: DrainOptions = {}) {
      const outcomes: ReaderOutcome[] = [];
      const stopAt = Date.now() + timeoutMs;
      const stop = async () => Date.now() > stopAt || (until !== undefined && (await until()));
      let idleReceives = 0;
      while (outcomes.length < maxMessages && !(await stop())) {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }));
        if (Messages.length === 0) {
          if (await queueIsEmpty()) return outcomes;
          if (++idleReceives >= maxIdleReceives) return outcomes;
          continue;
        }
        idleReceives = 0;
        for (const [i, m] of Messages.entries()) {
          if (i > 0 && (outcomes.length >= maxMessages || (await stop()))) {
            // Not processed: visible again for a later drain, not hidden for the visibility timeout.
            for (const rest of Messages.slice(i)) await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: rest.ReceiptHandle!, VisibilityTimeout: 0 }));
            return outcomes;
          }
          const receivedAt = Date.now();
          const deadline = receivedAt + remainingMs;
          const message = parseSplitMessage(m.Body!);
          const outcome = await processSplitMessage(deps, message, { owner: randomUUID(), remainingMs: () => deadline - Date.now() });
          outcomes.push(outcome);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
          await onMessage?.(message, outcome, receivedAt);
        }
      }
      return outcomes;
    },
    async takeMessages() {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const m of Messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
      return Messages.map((m) => parseSplitMessage(m.Body!));
    },
    async receiveDlq() {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      return Messages.map((m) => JSON.parse(m.Body!));
    },
  };
}
