/**
 * SDK v3 clients, built once per container.
 *
 * Lambda handlers import the one they need from its own module (`./sqsClient`,
 * `./dynamoDbClient`, `./s3Client`) so a reader bundle without S3 carries no S3 client;
 * this module gathers them for tests and local scripts.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClientOptions } from './config';
import { createDocumentClient, createDynamoDbClient } from './dynamoDbClient';
import { createS3Client } from './s3Client';
import { createSqsClient } from './sqsClient';

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  /** Closes the clients' sockets (tests: so jest exits without open handles). */
  destroy(): void;
}

/**
 * Fresh clients for an explicit region and endpoints, independent of the shared ones.
 *
 * @example
 * const aws = createAwsClients({ region: 'us-east-1', endpoints, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
 * try { await aws.sqs.send(new ListQueuesCommand({})) } finally { aws.destroy() }
 */
export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const dynamodb = createDynamoDbClient(options);
  const documents = createDocumentClient(dynamodb);
  const sqs = createSqsClient(options);
  const s3 = createS3Client(options);
  return {
    dynamodb,
    documents,
    sqs,
    s3,
    destroy() {
      // The document client shares the DynamoDB client's handler; destroying it once is enough.
      dynamodb.destroy();
      sqs.destroy();
      s3.destroy();
    },
  };
}

export { createDynamoDbClient, createDocumentClient, sharedDynamoDbClient, sharedDocumentClient } from './dynamoDbClient';
export { createSqsClient, sharedSqsClient } from './sqsClient';
export { createS3Client, sharedS3Client } from './s3Client';
