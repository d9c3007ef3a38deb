/**
 * AWS plumbing for the serverless runtime: SDK clients, the split table's contract, and
 * idempotent resource creation.
 *
 * Lambda handlers should import single modules (`lib/aws/sqsClient`, `lib/aws/dynamoDbClient`,
 * `lib/aws/s3Client`) so each bundle carries only the SDK clients it uses. The local
 * emulators live in `lib/aws/emulators` (dev only, not exported here).
 */
export { createAwsClients } from './clients';
export type { AwsClients } from './clients';
export { createDynamoDbClient, createDocumentClient, sharedDynamoDbClient, sharedDocumentClient } from './dynamoDbClient';
export { createSqsClient, sharedSqsClient } from './sqsClient';
export { createS3Client, sharedS3Client } from './s3Client';
export { endpointFromEnv } from './config';
export { onAwsClientCreated } from './clientHooks';
export type { AwsClientHook, HookableClient } from './clientHooks';
export type { AwsClientOptions, AwsEndpoints, AwsService, AwsStaticCredentials } from './config';
export { isRetryableAwsError, isAwsError, awsErrorName, wrapAwsError } from './errors';
export {
  ensureResources,
  ensureSplitTable,
  ensureSplitQueues,
  ensureBucket,
  deleteResources,
  DEFAULT_QUEUE_SETTINGS,
} from './resources';
export type { ResourceNames, QueueSettings, CreatedResources, ResourceClients } from './resources';
export {
  SPLIT_TABLE_PARTITION_KEY,
  SPLIT_TABLE_SORT_KEY,
  STATUS_LEASE_INDEX,
  STATUS_LEASE_INDEX_PARTITION_KEY,
  STATUS_LEASE_INDEX_SORT_KEY,
  TTL_ATTRIBUTE,
  FLOW_KEY_PREFIX,
  SPLIT_SORT_KEY_PREFIX,
  ENUMERATOR_SORT_KEY,
  INDEX_TIME_DIGITS,
  flowPartitionKey,
  splitSortKey,
  statusIndexPartitionKey,
  statusIndexSortKey,
  splitTableDefinition,
} from './splitTable';
export type { IndexedSplitStatus } from './splitTable';
