/**
 * The clients as a Lambda builds them: nothing passed in, everything from the standard
 * environment variables. The last test talks to the emulators through those variables only.
 */
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../../lib/aws/dynamoDbClient';
import { endpointFromEnv } from '../../../lib/aws/config';
import { ensureResources } from '../../../lib/aws/resources';
import { createS3Client } from '../../../lib/aws/s3Client';
import { createSqsClient } from '../../../lib/aws/sqsClient';
import { useAwsTestEnv } from '../../helpers/awsEnv';

const ENV_KEYS = [
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
];

/** Runs `fn` with exactly `vars` set among ENV_KEYS, then restores the environment. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T> | T): Promise<T> {
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  for (const key of ENV_KEYS) delete process.env[key];
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

describe('client configuration from the environment', () => {
  it('keeps the SDK defaults when no endpoint override is set', async () => {
    await withEnv({ AWS_REGION: 'eu-west-1' }, () => {
      // Act
      const sqs = createSqsClient();
      const s3 = createS3Client();

      // Assert
      expect(sqs.config.useQueueUrlAsEndpoint).toBe(true);
      expect(s3.config.forcePathStyle).toBe(false);
      sqs.destroy();
      s3.destroy();
    });
  });

  it('pins SQS to the endpoint and S3 to path style when AWS_ENDPOINT_URL_* is set', async () => {
    await withEnv({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:1', AWS_ENDPOINT_URL: 'http://127.0.0.1:2' }, () => {
      // Act
      const sqs = createSqsClient();
      const s3 = createS3Client();

      // Assert: S3 is overridden through the global AWS_ENDPOINT_URL
      expect(sqs.config.useQueueUrlAsEndpoint).toBe(false);
      expect(s3.config.forcePathStyle).toBe(true);
      expect(endpointFromEnv('s3')).toBe('http://127.0.0.1:2');
      sqs.destroy();
      s3.destroy();
    });
  });

  it('ignores endpoint variables when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true', async () => {
    await withEnv({ AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:1', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, () => {
      expect(endpointFromEnv('sqs')).toBeUndefined();
    });
  });

  it('builds clients for explicit endpoints regardless of the environment', async () => {
    await withEnv({}, () => {
      // Act
      const sqs = createSqsClient({ region: 'us-east-1', endpoints: { sqs: 'http://127.0.0.1:3' }, maxAttempts: 5 });
      const s3 = createS3Client({ region: 'us-east-1', endpoints: { s3: 'http://127.0.0.1:3' } });

      // Assert
      expect(sqs.config.useQueueUrlAsEndpoint).toBe(false);
      expect(s3.config.forcePathStyle).toBe(true);
      sqs.destroy();
      s3.destroy();
    });
  });
});

describe('clients configured only through AWS_* variables', () => {
  const aws = useAwsTestEnv({ dynamodb: 'dynalite' });

  it('reach the emulators, using the queue URL CreateQueue returned', async () => {
    // Arrange
    const { queueUrl } = await ensureResources(aws().clients, aws().names);

    await withEnv({ ...aws().environment }, async () => {
      const sqs = createSqsClient();
      const s3 = createS3Client();
      const dynamodb = createDynamoDbClient();
      try {
        // Act
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'from env' }));
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
        await s3.send(new PutObjectCommand({ Bucket: aws().names.bucket, Key: 'env.txt', Body: 'ok' }));
        const object = await s3.send(new GetObjectCommand({ Bucket: aws().names.bucket, Key: 'env.txt' }));
        const { TableNames } = await dynamodb.send(new ListTablesCommand({}));

        // Assert
        expect(Messages?.[0]?.Body).toBe('from env');
        expect(await object.Body?.transformToString()).toBe('ok');
        expect(TableNames).toContain(aws().names.tableName);
      } finally {
        sqs.destroy();
        s3.destroy();
        dynamodb.destroy();
      }
    });
  });
});
