import { randomUUID } from 'node:crypto';
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { ensureResources } from '../../lib/aws/resources';
import { DynamoSplitStore } from '../../lib/coordination/DynamoSplitStore';
import { parseSplitMessage, SqsSplitQueue } from '../../lib/coordination/SqsSplitQueue';
import type { SplitMessage } from '../../lib/coordination/SplitQueue';
import type { Flow } from '../../lib/flow/Flow';
import { JsonlFileSink } from '../../lib/sinks/JsonlFileSink';
import type { SinkWriter } from '../../lib/sinks/Sink';
import { processSplitMessage } from '../../lib/runtime/serverless/ReaderInvocation';
import type { ReaderOutcome } from '../../lib/runtime/serverless/ReaderInvocation';
import { SERVERLESS_DEFAULTS } from '../../lib/runtime/serverless/ServerlessConfig';
import type { ServerlessConfig } from '../../lib/runtime/serverless/ServerlessConfig';
import type { ServerlessDeps } from '../../lib/runtime/serverless/ServerlessDeps';
import type { AwsTestEnv } from './awsEnv';

let counter = 0;

export interface ServerlessHarness {
  readonly deps: ServerlessDeps;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  /** Receives and processes split messages the way the reader Lambda would, until the queue is empty. */
  drain(options?: { remainingMs?: number; maxMessages?: number }): Promise<ReaderOutcome[]>;
  receiveDlq(): Promise<unknown[]>;
  /** Takes the waiting split messages off the queue unprocessed, for a test to drive by hand. */
  takeMessages(): Promise<SplitMessage[]>;
}

/** Resources of its own (table rows keyed by a unique flow, its own queues) and the deps of the three functions. */
export async function serverlessHarness(aws: AwsTestEnv, flow: Flow, config: Partial<ServerlessConfig> = {}): Promise<ServerlessHarness> {
  const n = ++counter;
  const names = { ...aws.names, queueName: `${aws.names.queueName}-${n}`, dlqName: `${aws.names.dlqName}-${n}` };
  const { queueUrl, dlqUrl } = await ensureResources(aws.clients, names);
  const once = (open: () => Promise<SinkWriter<unknown>>) => {
    let w: Promise<SinkWriter<unknown>> | undefined;
    return () => (w ??= open());
  };
  const deps: ServerlessDeps = {
    flow,
    config: {
      ...SERVERLESS_DEFAULTS, flow: { name: flow.name, source: 'test', sink: 'test' }, tableName: names.tableName, queueUrl, dlqUrl,
      timeMarginMs: 1_000, leaseGraceMs: 2_000, ...config,
    },
    store: new DynamoSplitStore({ client: aws.clients.documents, tableName: names.tableName, flow: flow.name, finishedTtlDays: 1 }),
    queue: new SqsSplitQueue({ client: aws.clients.sqs, queueUrl, dlqUrl }),
    sink: once(() => flow.sink.open({ readerId: 0 })),
    deadLetter: once(() => new JsonlFileSink({ dir: flow.deadLetterDir!, format: (_i, v) => v }).open({ readerId: 0 })),
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
    async drain({ remainingMs = 60_000, maxMessages = 10_000 } = {}) {
      const outcomes: ReaderOutcome[] = [];
      while (outcomes.length < maxMessages) {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }));
        if (Messages.length === 0) {
          if (await queueIsEmpty()) return outcomes;
          continue;
        }
        for (const m of Messages) {
          const deadline = Date.now() + remainingMs;
          outcomes.push(await processSplitMessage(deps, parseSplitMessage(m.Body!), { owner: randomUUID(), remainingMs: () => deadline - Date.now() }));
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
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
