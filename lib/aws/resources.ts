/**
 * Idempotent creation of the serverless runtime's AWS resources: the split table, the split
 * queue with its dead-letter queue, and optionally a bucket. Safe to run on every deploy or
 * test start: what exists is checked (and its queue attributes brought up to date), nothing
 * is created twice.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { isAwsError, wrapAwsError } from './errors';
import {
  SPLIT_TABLE_PARTITION_KEY,
  SPLIT_TABLE_SORT_KEY,
  STATUS_LEASE_INDEX,
  TTL_ATTRIBUTE,
  splitTableDefinition,
} from './splitTable';

export interface ResourceNames {
  readonly tableName: string;
  readonly queueName: string;
  readonly dlqName: string;
  readonly bucket?: string;
}

export interface QueueSettings {
  /** Seconds a received split message stays hidden; must exceed the reader Lambda's timeout. */
  readonly visibilityTimeoutSeconds: number;
  /**
   * Receives before SQS itself dead-letters a message. Only a backstop: attempts are counted
   * in DynamoDB and the failure handler dead-letters splits, so throttled retries of a healthy
   * split must not reach this.
   */
  readonly maxReceiveCount: number;
  readonly messageRetentionSeconds: number;
  readonly dlqRetentionSeconds: number;
}

/** Defaults for the split queues, in one place. */
export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  visibilityTimeoutSeconds: 120,
  maxReceiveCount: 10,
  messageRetentionSeconds: 4 * 24 * 3600,
  dlqRetentionSeconds: 14 * 24 * 3600,
};

export interface CreatedResources {
  readonly tableName: string;
  readonly tableArn: string;
  /** 'unsupported' where the backend has no TTL API (dynalite). */
  readonly ttl: 'enabled' | 'unsupported';
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  readonly bucket?: string;
}

export interface ResourceClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  /** Needed only when `names.bucket` is set. */
  readonly s3?: S3Client;
}

const namesSchema = z.object({
  tableName: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, "tableName must be 3-255 letters, digits, '_', '-' or '.'"),
  queueName: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, "queueName must be 1-80 letters, digits, '-' or '_' (standard queue)"),
  dlqName: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, "dlqName must be 1-80 letters, digits, '-' or '_' (standard queue)"),
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "bucket must be 3-63 lowercase letters, digits, '-' or '.'")
    .optional(),
});

const settingsSchema = z.object({
  visibilityTimeoutSeconds: z.number().int().min(0, 'visibilityTimeoutSeconds must be between 0 and 43200').max(43_200, 'visibilityTimeoutSeconds must be between 0 and 43200'),
  maxReceiveCount: z.number().int().min(1, 'maxReceiveCount must be between 1 and 1000').max(1000, 'maxReceiveCount must be between 1 and 1000'),
  messageRetentionSeconds: z.number().int().min(60, 'messageRetentionSeconds must be between 60 and 1209600').max(1_209_600, 'messageRetentionSeconds must be between 60 and 1209600'),
  dlqRetentionSeconds: z.number().int().min(60, 'dlqRetentionSeconds must be between 60 and 1209600').max(1_209_600, 'dlqRetentionSeconds must be between 60 and 1209600'),
});

function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  const got = issue.path.reduce<unknown>((v, key) => (v as Record<PropertyKey, unknown> | undefined)?.[key], value);
  throw new ConfigError(`${issue.message} (got ${JSON.stringify(got)})`, { context: { field } });
}

/**
 * Creates (or finds) the table, the queues and the bucket named in `names`.
 *
 * @example
 * const aws = createAwsClients({ region, endpoints, credentials });
 * const { queueUrl, dlqUrl } = await ensureResources(aws, { tableName: 'adf-splits', queueName: 'adf-splits', dlqName: 'adf-splits-dlq' });
 */
export async function ensureResources(
  clients: ResourceClients,
  names: ResourceNames,
  settings: Partial<QueueSettings> = {},
): Promise<CreatedResources> {
  const valid = validate(namesSchema, names);
  const queueSettings = validate(settingsSchema, { ...DEFAULT_QUEUE_SETTINGS, ...settings });
  if (valid.bucket !== undefined && clients.s3 === undefined) {
    throw new ConfigError('an S3 client is needed to create the bucket', { context: { field: 'bucket' } });
  }
  const [table, queues] = await Promise.all([
    ensureSplitTable(clients.dynamodb, valid.tableName),
    ensureSplitQueues(clients.sqs, valid, queueSettings),
  ]);
  if (valid.bucket !== undefined) await ensureBucket(clients.s3!, valid.bucket);
  return { ...table, ...queues, ...(valid.bucket !== undefined ? { bucket: valid.bucket } : {}) };
}

/** Creates the split table if missing, waits until it and its index are ACTIVE, enables TTL where supported. */
export async function ensureSplitTable(
  dynamodb: DynamoDBClient,
  tableName: string,
): Promise<{ tableName: string; tableArn: string; ttl: 'enabled' | 'unsupported' }> {
  try {
    await dynamodb.send(new CreateTableCommand(splitTableDefinition(tableName)));
  } catch (error) {
    if (!isAwsError(error, 'ResourceInUseException')) throw wrapAwsError(error, `CreateTable ${tableName}`);
  }
  const table = await waitForActiveTable(dynamodb, tableName);
  checkTableShape(table, tableName);
  const ttl = await enableTtl(dynamodb, tableName);
  return { tableName, tableArn: table.TableArn ?? '', ttl };
}

const TABLE_WAIT_MS = 120_000;

async function waitForActiveTable(dynamodb: DynamoDBClient, tableName: string): Promise<TableDescription> {
  const deadline = Date.now() + TABLE_WAIT_MS;
  // Emulators answer ACTIVE at once; real AWS takes seconds, so back off up to 2 s.
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName })).catch((error: unknown) => {
      throw wrapAwsError(error, `DescribeTable ${tableName}`);
    });
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return Table;
    if (Date.now() + delay > deadline) {
      throw new ConfigError(`table ${tableName} did not become ACTIVE within ${TABLE_WAIT_MS / 1000} s (status ${Table?.TableStatus})`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** An existing table with another key layout would fail at the first write; say so now. */
function checkTableShape(table: TableDescription, tableName: string): void {
  const keys = (table.KeySchema ?? []).map((key) => `${key.AttributeName}:${key.KeyType}`).join(',');
  const expected = `${SPLIT_TABLE_PARTITION_KEY}:HASH,${SPLIT_TABLE_SORT_KEY}:RANGE`;
  const hasIndex = (table.GlobalSecondaryIndexes ?? []).some((index) => index.IndexName === STATUS_LEASE_INDEX);
  if (keys !== expected || !hasIndex) {
    throw new ConfigError(
      `table ${tableName} exists with another schema (keys ${keys}, index ${STATUS_LEASE_INDEX} ${hasIndex ? 'present' : 'missing'}); expected keys ${expected}`,
      { context: { field: 'tableName' } },
    );
  }
}

async function enableTtl(dynamodb: DynamoDBClient, tableName: string): Promise<'enabled' | 'unsupported'> {
  try {
    const { TimeToLiveDescription: current } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const on = current?.TimeToLiveStatus === 'ENABLED' || current?.TimeToLiveStatus === 'ENABLING';
    if (on && current?.AttributeName === TTL_ATTRIBUTE) return 'enabled';
    // Enabling twice is a ValidationException on AWS, hence the check above.
    await dynamodb.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }),
    );
    return 'enabled';
  } catch (error) {
    // dynalite implements DescribeTimeToLive but not UpdateTimeToLive: rows simply never expire there.
    if (isAwsError(error, 'UnknownOperationException')) return 'unsupported';
    throw wrapAwsError(error, `UpdateTimeToLive ${tableName}`);
  }
}

/** Creates the DLQ, then the split queue redriving to it; existing queues get the attributes set. */
export async function ensureSplitQueues(
  sqs: SQSClient,
  names: Pick<ResourceNames, 'queueName' | 'dlqName'>,
  settings: QueueSettings = DEFAULT_QUEUE_SETTINGS,
): Promise<{ queueUrl: string; queueArn: string; dlqUrl: string; dlqArn: string }> {
  const dlqUrl = await ensureQueue(sqs, names.dlqName, { MessageRetentionPeriod: String(settings.dlqRetentionSeconds) });
  const dlqArn = await queueArn(sqs, dlqUrl);
  const queueUrl = await ensureQueue(sqs, names.queueName, {
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(settings.messageRetentionSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount }),
  });
  return { queueUrl, queueArn: await queueArn(sqs, queueUrl), dlqUrl, dlqArn };
}

async function ensureQueue(sqs: SQSClient, queueName: string, attributes: Record<string, string>): Promise<string> {
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
    return QueueUrl!;
  } catch (error) {
    // CreateQueue is idempotent only with identical attributes; otherwise update the queue in place.
    if (!isAwsError(error, 'QueueNameExists', 'QueueAlreadyExists')) throw wrapAwsError(error, `CreateQueue ${queueName}`);
  }
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return QueueUrl!;
  } catch (error) {
    throw wrapAwsError(error, `SetQueueAttributes ${queueName}`);
  }
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  try {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    return Attributes!.QueueArn!;
  } catch (error) {
    throw wrapAwsError(error, `GetQueueAttributes ${queueUrl}`);
  }
}

/** Creates the bucket in the client's region; a bucket this account already owns is fine. */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  const region = await s3.config.region();
  // us-east-1 is the one region that rejects an explicit LocationConstraint.
  const location = region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint };
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ...(location ? { CreateBucketConfiguration: location } : {}) }));
    return;
  } catch (error) {
    if (isAwsError(error, 'BucketAlreadyOwnedByYou')) return;
    if (!isAwsError(error, 'BucketAlreadyExists')) throw wrapAwsError(error, `CreateBucket ${bucket}`);
  }
  // BucketAlreadyExists: ours if we can reach it (some emulators answer this for their own buckets).
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    throw new ConfigError(`bucket ${bucket} belongs to another account; choose another name`, { cause: error, context: { field: 'bucket' } });
  }
}

/**
 * Deletes what `ensureResources` created (emptying the bucket first). Missing resources are
 * skipped. For tests against a shared LocalStack; never point this at production names.
 */
export async function deleteResources(clients: ResourceClients, names: ResourceNames): Promise<void> {
  const ignoreMissing = (...missing: string[]) => (error: unknown) => {
    if (!isAwsError(error, ...missing)) throw wrapAwsError(error, 'delete resources');
  };
  await clients.dynamodb.send(new DeleteTableCommand({ TableName: names.tableName })).catch(ignoreMissing('ResourceNotFoundException'));
  for (const queueName of [names.queueName, names.dlqName]) {
    await clients.sqs
      .send(new GetQueueUrlCommand({ QueueName: queueName }))
      .then(({ QueueUrl }) => clients.sqs.send(new DeleteQueueCommand({ QueueUrl })))
      .catch(ignoreMissing('QueueDoesNotExist', 'NonExistentQueue'));
  }
  if (names.bucket !== undefined && clients.s3 !== undefined) {
    await emptyAndDeleteBucket(clients.s3, names.bucket).catch(ignoreMissing('NoSuchBucket', 'NotFound'));
  }
}

async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<void> {
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }));
    const objects = (page.Contents ?? []).map(({ Key }) => ({ Key: Key! }));
    if (objects.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    ContinuationToken = page.NextContinuationToken;
  } while (ContinuationToken !== undefined);
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
