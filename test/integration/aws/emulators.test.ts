/**
 * Proves the local AWS wiring with the real SDK v3 clients (no mocks), against DynamoDB Local
 * and dynalite (plus fauxqs), or LocalStack with ADF_TEST_AWS=localstack.
 */
import { ConditionalCheckFailedException, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DYNAMODB_BACKENDS } from '../../../lib/aws/emulators';
import { ensureResources, type CreatedResources } from '../../../lib/aws/resources';
import {
  ENUMERATOR_SORT_KEY,
  STATUS_LEASE_INDEX,
  STATUS_LEASE_INDEX_PARTITION_KEY,
  STATUS_LEASE_INDEX_SORT_KEY,
  flowPartitionKey,
  splitSortKey,
  statusIndexPartitionKey,
  statusIndexSortKey,
} from '../../../lib/aws/splitTable';
import { useAwsTestEnv } from '../../helpers/awsEnv';

const MAX_RECEIVE_COUNT = 2;

describe.each(DYNAMODB_BACKENDS)('local AWS wiring (DynamoDB: %s)', (dynamodb) => {
  const aws = useAwsTestEnv({ dynamodb });
  let resources: CreatedResources;

  beforeAll(async () => {
    resources = await ensureResources(aws().clients, aws().names, { visibilityTimeoutSeconds: 30, maxReceiveCount: MAX_RECEIVE_COUNT });
  });

  describe('resources', () => {
    it('creates the table, queues and bucket idempotently', async () => {
      // Act
      const again = await ensureResources(aws().clients, aws().names, { visibilityTimeoutSeconds: 30, maxReceiveCount: MAX_RECEIVE_COUNT });

      // Assert
      expect(again).toEqual(resources);
      expect(resources.queueUrl).toContain(aws().names.queueName);
      expect(resources.dlqArn).toMatch(new RegExp(`:${aws().names.dlqName}$`));
      expect(resources.ttl).toBe(aws().backend === 'dynalite' ? 'unsupported' : 'enabled');
      const { Table } = await aws().clients.dynamodb.send(new DescribeTableCommand({ TableName: aws().names.tableName }));
      expect(Table?.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST').toBe('PAY_PER_REQUEST');
      expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual([STATUS_LEASE_INDEX]);
    });

    it('updates queue attributes that changed since the queues were created', async () => {
      // Act: a longer visibility timeout than the first call
      const updated = await ensureResources(aws().clients, aws().names, { visibilityTimeoutSeconds: 45, maxReceiveCount: MAX_RECEIVE_COUNT });

      // Assert
      expect(updated.queueUrl).toBe(resources.queueUrl);
      const { Attributes } = await aws().clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: updated.queueUrl, AttributeNames: ['VisibilityTimeout'] }));
      expect(Attributes?.VisibilityTimeout).toBe('45');
      await ensureResources(aws().clients, aws().names, { visibilityTimeoutSeconds: 30, maxReceiveCount: MAX_RECEIVE_COUNT });
    });
  });

  describe('DynamoDB', () => {
    const flow = 'orders';

    it('creates a row once with attribute_not_exists', async () => {
      // Arrange
      const put = () =>
        aws().clients.documents.send(
          new PutCommand({
            TableName: aws().names.tableName,
            Item: { pk: flowPartitionKey(flow), sk: splitSortKey('a.csv'), status: 'PENDING', leaseToken: 0 },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );

      // Act / Assert
      await put();
      await expect(put()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    });

    it('fences an update on a numeric lease token', async () => {
      // Arrange
      const key = { pk: flowPartitionKey(flow), sk: splitSortKey('b.csv') };
      await aws().clients.documents.send(new PutCommand({ TableName: aws().names.tableName, Item: { ...key, status: 'ASSIGNED', leaseToken: 7 } }));
      const commit = (token: number) =>
        aws().clients.documents.send(
          new UpdateCommand({
            TableName: aws().names.tableName,
            Key: key,
            UpdateExpression: 'SET leaseToken = leaseToken + :one, #status = :pending',
            ConditionExpression: 'leaseToken = :mine',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':one': 1, ':mine': token, ':pending': 'PENDING' },
            ReturnValues: 'ALL_NEW',
          }),
        );

      // Act
      const { Attributes } = await commit(7);

      // Assert: the holder of token 7 moved it on; a second commit with the stale token is fenced off
      expect(Attributes).toMatchObject({ leaseToken: 8, status: 'PENDING' });
      await expect(commit(7)).rejects.toBeInstanceOf(ConditionalCheckFailedException);
      const { Item } = await aws().clients.documents.send(new GetCommand({ TableName: aws().names.tableName, Key: key, ConsistentRead: true }));
      expect(Item?.leaseToken).toBe(8);
    });

    it('finds expired leases through the sparse status/lease index', async () => {
      // Arrange
      const now = Date.now();
      const gsiFlow = 'leases';
      const rows = [
        { splitId: 'expired', gsi1pk: statusIndexPartitionKey(gsiFlow, 'ASSIGNED'), gsi1sk: statusIndexSortKey(now - 60_000) },
        { splitId: 'live', gsi1pk: statusIndexPartitionKey(gsiFlow, 'ASSIGNED'), gsi1sk: statusIndexSortKey(now + 60_000) },
        { splitId: 'pending', gsi1pk: statusIndexPartitionKey(gsiFlow, 'PENDING'), gsi1sk: statusIndexSortKey(now - 120_000) },
        { splitId: 'finished' },
      ];
      for (const { splitId, ...index } of rows) {
        await aws().clients.documents.send(
          new PutCommand({ TableName: aws().names.tableName, Item: { pk: flowPartitionKey(gsiFlow), sk: splitSortKey(splitId), splitId, ...index } }),
        );
      }
      await aws().clients.documents.send(
        new PutCommand({ TableName: aws().names.tableName, Item: { pk: flowPartitionKey(gsiFlow), sk: ENUMERATOR_SORT_KEY, cursor: 'x' } }),
      );

      // Act
      const expired = await aws().clients.documents.send(
        new QueryCommand({
          TableName: aws().names.tableName,
          IndexName: STATUS_LEASE_INDEX,
          KeyConditionExpression: `${STATUS_LEASE_INDEX_PARTITION_KEY} = :pk AND ${STATUS_LEASE_INDEX_SORT_KEY} < :now`,
          ExpressionAttributeValues: { ':pk': statusIndexPartitionKey(gsiFlow, 'ASSIGNED'), ':now': statusIndexSortKey(now) },
        }),
      );
      const assigned = await aws().clients.documents.send(
        new QueryCommand({
          TableName: aws().names.tableName,
          IndexName: STATUS_LEASE_INDEX,
          KeyConditionExpression: `${STATUS_LEASE_INDEX_PARTITION_KEY} = :pk`,
          ExpressionAttributeValues: { ':pk': statusIndexPartitionKey(gsiFlow, 'ASSIGNED') },
        }),
      );

      // Assert: projection ALL gives whole rows; rows without index keys are not in the index
      expect(expired.Items?.map((item) => item.splitId)).toEqual(['expired']);
      expect(assigned.Items?.map((item) => item.splitId)).toEqual(['expired', 'live']);
    });
  });

  describe('SQS', () => {
    it('sends a batch, receives and deletes it', async () => {
      // Arrange
      const { sqs } = aws().clients;
      const bodies = ['split-1', 'split-2', 'split-3'];

      // Act
      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: resources.queueUrl,
          Entries: bodies.map((body, i) => ({ Id: `m${i}`, MessageBody: body })),
        }),
      );
      const received = await receiveAtLeast(resources.queueUrl, bodies.length);
      for (const message of received) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: resources.queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }

      // Assert
      expect(sent.Failed ?? []).toEqual([]);
      expect(received.map((message) => message.Body).sort()).toEqual(bodies);
      expect(await receive(resources.queueUrl, 0)).toEqual([]);
    });

    it('makes a message visible again when its visibility is set to 0', async () => {
      // Arrange
      const { sqs } = aws().clients;
      await sqs.send(new SendMessageCommand({ QueueUrl: resources.queueUrl, MessageBody: 'give-back' }));
      const [first] = await receiveAtLeast(resources.queueUrl, 1);

      // Act
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: resources.queueUrl, ReceiptHandle: first!.ReceiptHandle, VisibilityTimeout: 0 }));
      const [again] = await receiveAtLeast(resources.queueUrl, 1);

      // Assert
      expect(again?.Body).toBe('give-back');
      expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: resources.queueUrl, ReceiptHandle: again!.ReceiptHandle }));
    });

    it(`moves a message received more than maxReceiveCount (${MAX_RECEIVE_COUNT}) times to the DLQ`, async () => {
      // Arrange
      const { sqs } = aws().clients;
      await sqs.send(new SendMessageCommand({ QueueUrl: resources.queueUrl, MessageBody: 'poison' }));

      // Act: receive and give back until the queue no longer hands it out
      let receives = 0;
      for (;;) {
        const [message] = await receive(resources.queueUrl, 1);
        if (message === undefined) break;
        receives += 1;
        await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: resources.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
        if (receives > MAX_RECEIVE_COUNT + 1) throw new Error('the message was never dead-lettered');
      }
      const [dead] = await receiveAtLeast(resources.dlqUrl, 1);

      // Assert
      expect(receives).toBe(MAX_RECEIVE_COUNT);
      expect(dead?.Body).toBe('poison');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: resources.dlqUrl, ReceiptHandle: dead!.ReceiptHandle }));
    });
  });

  describe('S3', () => {
    it('lists in pages, reads ranges and reports ETags', async () => {
      // Arrange
      const { s3 } = aws().clients;
      const bucket = aws().names.bucket;
      const keys = ['in/a.csv', 'in/b.csv', 'in/c.csv', 'in/d.csv', 'in/e.csv'];
      const etags = new Map<string, string | undefined>();
      for (const key of keys) {
        const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `id,name\n1,${key}\n` }));
        etags.set(key, put.ETag);
      }

      // Act
      const pages: string[][] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'in/', MaxKeys: 2, ContinuationToken }));
        pages.push((page.Contents ?? []).map((object) => object.Key!));
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
      const range = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'in/c.csv', Range: 'bytes=3-6' }));
      const suffix = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'in/c.csv', Range: 'bytes=-4' }));
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'in/c.csv' }));

      // Assert
      expect(pages).toEqual([keys.slice(0, 2), keys.slice(2, 4), keys.slice(4)]);
      expect(await range.Body?.transformToString()).toBe('name');
      expect(range.ContentRange).toBe(`bytes 3-6/${'id,name\n1,in/c.csv\n'.length}`);
      expect(await suffix.Body?.transformToString()).toBe('csv\n');
      expect(head.ETag).toBe(etags.get('in/c.csv'));
      expect(head.ContentLength).toBe('id,name\n1,in/c.csv\n'.length);
    });
  });

  async function receive(queueUrl: string, waitSeconds: number): Promise<Message[]> {
    const { Messages } = await aws().clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    return Messages ?? [];
  }

  /** Long-polls until `count` messages arrived (SQS may return fewer than asked per call). */
  async function receiveAtLeast(queueUrl: string, count: number): Promise<Message[]> {
    const messages: Message[] = [];
    for (let attempt = 0; messages.length < count && attempt < 10; attempt++) {
      messages.push(...(await receive(queueUrl, 1)));
    }
    return messages;
  }
});
