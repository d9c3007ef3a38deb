import { parseS3Notification, readS3Notification } from '../../../lib/sources/file';

/** A direct S3 notification, as S3 sends it to Lambda (or in an SQS body). */
function s3Event(...objects: { bucket: string; key: string; eventName?: string }[]) {
  return {
    Records: objects.map(({ bucket, key, eventName = 'ObjectCreated:Put' }) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2024-05-01T00:00:00.000Z',
      eventName,
      s3: { s3SchemaVersion: '1.0', configurationId: 'adf', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key, size: 10, eTag: 'abc', sequencer: '0A' } },
    })),
  };
}

const sqsEvent = (...bodies: unknown[]) => ({
  Records: bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: 'r',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {},
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
    awsRegion: 'us-east-1',
  })),
});

const snsEnvelope = (message: unknown) => ({
  Type: 'Notification',
  MessageId: 'x',
  TopicArn: 'arn:aws:sns:us-east-1:000000000000:t',
  Subject: 'Amazon S3 Notification',
  Message: JSON.stringify(message),
  Timestamp: '2024-05-01T00:00:00.000Z',
});

const eventBridge = (detailType: string, bucket: string, key: string) => ({
  version: '0',
  id: '17793124-05d4-b198-2fde-7ededc63b103',
  'detail-type': detailType,
  source: 'aws.s3',
  account: '111122223333',
  time: '2024-05-01T00:00:00Z',
  region: 'us-east-1',
  resources: [`arn:aws:s3:::${bucket}`],
  detail: { version: '0', bucket: { name: bucket }, object: { key, size: 5, etag: 'abc', sequencer: '00' }, reason: 'PutObject' },
});

describe('parseS3Notification', () => {
  it('reads a direct S3 event, URL-decoding keys with + as a space', () => {
    const event = s3Event({ bucket: 'in-bucket', key: 'orders/2024/a+b%2Bc.csv' }, { bucket: 'in-bucket', key: 'caf%C3%A9%20menu.jsonl' });

    expect(parseS3Notification(event)).toEqual([
      { bucket: 'in-bucket', key: 'orders/2024/a b+c.csv' },
      { bucket: 'in-bucket', key: 'café menu.jsonl' },
    ]);
  });

  it('reads an SQS event whose bodies are S3 events (S3 → SQS)', () => {
    const event = sqsEvent(s3Event({ bucket: 'in-bucket', key: 'a.csv' }), s3Event({ bucket: 'in-bucket', key: 'b.csv' }, { bucket: 'in-bucket', key: 'c.csv' }));

    expect(parseS3Notification(event).map((o) => o.key)).toEqual(['a.csv', 'b.csv', 'c.csv']);
  });

  it('reads an SQS event whose bodies are SNS envelopes (S3 → SNS → SQS), and an SNS event', () => {
    const viaSqs = sqsEvent(snsEnvelope(s3Event({ bucket: 'in-bucket', key: 'x%3Dy.csv' })));
    const viaSns = { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', Sns: { Message: JSON.stringify(s3Event({ bucket: 'in-bucket', key: 'z.csv' })) } }] };

    expect(parseS3Notification(viaSqs)).toEqual([{ bucket: 'in-bucket', key: 'x=y.csv' }]);
    expect(parseS3Notification(viaSns)).toEqual([{ bucket: 'in-bucket', key: 'z.csv' }]);
  });

  it('reads an EventBridge "Object Created" event, whose key is not URL-encoded', () => {
    expect(parseS3Notification(eventBridge('Object Created', 'in-bucket', 'raw key+1.csv'))).toEqual([{ bucket: 'in-bucket', key: 'raw key+1.csv' }]);
  });

  it('yields nothing for an s3:TestEvent, directly or as an SQS body', () => {
    const test = { Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2024-05-01T00:00:00.000Z', Bucket: 'in-bucket', RequestId: 'r', HostId: 'h' };

    expect(parseS3Notification(test)).toEqual([]);
    expect(parseS3Notification(sqsEvent(test))).toEqual([]);
    expect(readS3Notification(sqsEvent(test))).toEqual([]); // an S3 notification, naming nothing
  });

  it('yields nothing for events other than ObjectCreated', () => {
    expect(parseS3Notification(s3Event({ bucket: 'in-bucket', key: 'a.csv', eventName: 'ObjectRemoved:Delete' }))).toEqual([]);
    expect(parseS3Notification(eventBridge('Object Deleted', 'in-bucket', 'a.csv'))).toEqual([]);
    expect(parseS3Notification(s3Event({ bucket: 'in-bucket', key: 'a.csv', eventName: 'ObjectCreated:CompleteMultipartUpload' }))).toHaveLength(1);
  });

  it('yields nothing for shapes that are no S3 notification; readS3Notification tells them apart with undefined', () => {
    for (const event of [undefined, null, 42, 'x', {}, { flow: 'orders' }, { 'detail-type': 'Scheduled Event', source: 'aws.events' }, { Records: [{ eventSource: 'aws:sqs', body: '{"flow":"f","splitId":"a"}' }] }, sqsEvent('not json')]) {
      expect(parseS3Notification(event)).toEqual([]);
      expect(readS3Notification(event)).toBeUndefined();
    }
  });

  it('keeps a key with a stray % as it is rather than failing', () => {
    expect(parseS3Notification(s3Event({ bucket: 'in-bucket', key: '100%+done.csv' }))).toEqual([{ bucket: 'in-bucket', key: '100% done.csv' }]);
  });
});
