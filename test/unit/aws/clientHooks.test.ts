import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { onAwsClientCreated, type HookableClient } from '../../../lib/aws/clientHooks';
import { createDocumentClient, createDynamoDbClient } from '../../../lib/aws/dynamoDbClient';
import { createS3Client } from '../../../lib/aws/s3Client';
import { createSqsClient } from '../../../lib/aws/sqsClient';
import type { AwsService } from '../../../lib/aws/config';

const options = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, endpoints: { sqs: 'http://127.0.0.1:9', dynamodb: 'http://127.0.0.1:9', s3: 'http://127.0.0.1:9' } };

/** Counts each command by service and name, and answers it without a request (unit tests open no sockets). */
function countingHook(counts: Map<string, number>) {
  return (client: HookableClient, service: AwsService) => {
    const add = client.middlewareStack.add as unknown as (mw: unknown, options: unknown) => void;
    add.call(
      client.middlewareStack,
      (_next: unknown, context: { commandName?: string }) => async () => {
        const key = `${service}:${context.commandName}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return { output: { $metadata: {} } };
      },
      { step: 'initialize', name: 'testCounter' },
    );
  };
}

describe('onAwsClientCreated', () => {
  it('lets a caller add a middleware to every client lib/aws builds afterwards, the document client included', async () => {
    const counts = new Map<string, number>();
    const stop = onAwsClientCreated(countingHook(counts));
    const sqs = createSqsClient(options);
    const dynamodb = createDynamoDbClient(options);
    const documents = createDocumentClient(dynamodb);
    const s3 = createS3Client(options);
    try {
      await sqs.send(new GetQueueUrlCommand({ QueueName: 'q' }));
      await documents.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } }));
      await documents.send(new UpdateCommand({ TableName: 't', Key: { pk: 'a' }, UpdateExpression: 'SET #a = :a', ExpressionAttributeNames: { '#a': 'a' }, ExpressionAttributeValues: { ':a': 1 } }));
      await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }));
    } finally {
      stop();
      [sqs, dynamodb, s3].forEach((c) => c.destroy());
    }
    expect(Object.fromEntries(counts)).toEqual({
      'sqs:GetQueueUrlCommand': 1,
      'dynamodb:GetItemCommand': 1, // the document client's commands are counted as the calls they make
      'dynamodb:UpdateItemCommand': 1,
      's3:HeadObjectCommand': 1,
    });
  });

  it('stops seeing clients once removed', () => {
    const seen: AwsService[] = [];
    const stop = onAwsClientCreated((_client, service) => seen.push(service));
    createSqsClient(options).destroy();
    stop();
    createSqsClient(options).destroy();
    expect(seen).toEqual(['sqs']);
  });
});
