import type { Message } from '@aws-sdk/client-sqs';
import type { LocalInvoker } from './LocalInvoker';
import type { ReaderHandler } from './LocalEventLoopOptions';
import type { LocalSqsPoller } from './LocalSqsPoller';
import { failedMessageIds, toSqsEvent } from './SqsEventFactory';

export interface ReaderInvocationDeps {
  readonly invoker: LocalInvoker;
  readonly poller: LocalSqsPoller;
  readonly region: string;
  readonly readerTimeoutMs: number;
  readonly log: (line: string) => void;
}

/**
 * One reader invocation of the event source mapping, for messages already received: build the
 * SQSEvent → invoke the reader → delete the messages it did not report in batchItemFailures →
 * count and report. Until the reader answers, every message counts as failed, so a reader that
 * throws, times out or answers with an invalid response leaves its whole batch on the queue
 * (to reappear after the visibility timeout), as on Lambda.
 *
 * @example
 * await invokeReader(messages, handlers.reader, { invoker, poller, region: 'us-east-1', readerTimeoutMs: 120_000, log: console.error });
 */
export async function invokeReader(messages: Message[], handler: ReaderHandler, deps: ReaderInvocationDeps): Promise<void> {
  const { invoker, poller } = deps;
  const event = toSqsEvent(messages, { queueArn: await poller.queueArn(), region: deps.region });
  let failed: ReadonlySet<string> = new Set(event.Records.map((r) => r.messageId));
  let wholeBatch = true;
  const record = await invoker.invoke('reader', deps.readerTimeoutMs, async (context) => {
    const response = await handler(event, context);
    ({ ids: failed, wholeBatch } = failedMessageIds(response, event));
    return response;
  });
  if (record.outcome === 'ok' && wholeBatch) deps.log(`reader ${record.requestId}: invalid batchItemFailures response, the whole batch stays on the queue`);
  const done = messages.filter((m) => !failed.has(m.MessageId!));
  const deleted = record.outcome === 'ok' ? await poller.deleteMessages(done) : 0;
  const retried = messages.length - deleted;
  invoker.counters.messagesDeleted += deleted;
  invoker.counters.messagesRetried += retried;
  invoker.report({ ...record, messages: messages.length, deleted, retried });
}
