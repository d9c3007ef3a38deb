import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import type { EventBridgeEvent, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from './LambdaContextFactory';

/**
 * The SQSEvent the Lambda event source mapping would build from received messages: the same
 * record fields (messageId, receiptHandle, body, attributes, messageAttributes, md5OfBody,
 * eventSource, eventSourceARN, awsRegion), so handlers cannot tell the difference.
 *
 * @example
 * const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'] }));
 * await reader(toSqsEvent(Messages, { queueArn, region }), context);
 */
export function toSqsEvent(messages: readonly Message[], source: { readonly queueArn: string; readonly region: string }): SQSEvent {
  return { Records: messages.map((message) => toSqsRecord(message, source)) };
}

function toSqsRecord(message: Message, source: { readonly queueArn: string; readonly region: string }): SQSRecord {
  const system = message.Attributes ?? {};
  const now = String(Date.now());
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
    SentTimestamp: system.SentTimestamp ?? now,
    SenderId: system.SenderId ?? LOCAL_ACCOUNT_ID,
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? now,
  };
  for (const name of ['AWSTraceHeader', 'SequenceNumber', 'MessageGroupId', 'MessageDeduplicationId', 'DeadLetterQueueSourceArn'] as const) {
    const value = system[name];
    if (value !== undefined) attributes[name] = value;
  }
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((v) => Buffer.from(v).toString('base64')),
    };
  }
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes !== undefined ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
}

/** What EventBridge sends on a schedule (`rate(5 minutes)`): the enumerator's scheduled event. */
export function scheduledEvent(ruleName: string, region: string, now = new Date()): EventBridgeEvent<'Scheduled Event', Record<string, never>> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${ruleName}`],
    detail: {},
  };
}

/** The ARN of a queue from its URL (`…/<account>/<name>`), for when GetQueueAttributes cannot tell. */
export function queueArnFromUrl(queueUrl: string, region: string): string {
  const [account = LOCAL_ACCOUNT_ID, name = 'queue'] = new URL(queueUrl).pathname.split('/').filter(Boolean).slice(-2);
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

/**
 * The messages of a batch that must stay on the queue after an invocation, the way the event
 * source mapping reads a ReportBatchItemFailures response:
 * - no response, no or an empty `batchItemFailures`: every message succeeded;
 * - an entry whose itemIdentifier is missing, empty or not in the batch, or a response that is
 *   not an object: the whole batch failed.
 */
export function failedMessageIds(response: unknown, event: SQSEvent): { readonly ids: ReadonlySet<string>; readonly wholeBatch: boolean } {
  const all = new Set(event.Records.map((record) => record.messageId));
  if (response === undefined || response === null) return { ids: new Set(), wholeBatch: false };
  if (typeof response !== 'object' || Array.isArray(response)) return { ids: all, wholeBatch: true };
  const failures = (response as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return { ids: new Set(), wholeBatch: false };
  if (!Array.isArray(failures)) return { ids: all, wholeBatch: true };
  const ids = new Set<string>();
  for (const failure of failures as unknown[]) {
    const id = typeof failure === 'object' && failure !== null ? (failure as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '' || !all.has(id)) return { ids: all, wholeBatch: true };
    ids.add(id);
  }
  return { ids, wholeBatch: false };
}
