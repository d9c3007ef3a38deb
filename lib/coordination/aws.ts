/**
 * The AWS-backed coordination pieces of the serverless runtime: the DynamoDB split store and
 * the SQS split queue. A separate entry from `./index` so the embedded runtime (and any bundle
 * that does not talk to AWS) never loads the AWS SDK.
 *
 * @example
 * import { DynamoSplitStore, SqsSplitQueue } from '../coordination/aws';
 * const store = new DynamoSplitStore({ client: sharedDocumentClient(), tableName, flow: 'orders' });
 */
export { DynamoSplitStore, DYNAMO_SPLIT_STORE_DEFAULTS, LEASE_EXPIRED_ERROR } from './DynamoSplitStore';
export type { DynamoSplitStoreOptions } from './DynamoSplitStore';
export { MAX_SPLIT_ID_KEY_BYTES, splitIdKeyPart, splitKey, decodeSplitRow, decodeEnumeratorRow } from './DynamoSplitRowCodec';
export type { SplitItem, SplitKey } from './DynamoSplitRowCodec';
export { SqsSplitQueue, SQS_SPLIT_QUEUE_DEFAULTS, clampDelaySeconds } from './SqsSplitQueue';
export type { SqsSplitQueueOptions } from './SqsSplitQueue';
export { parseSplitMessage, parseFailedSplitMessage, parseDeadLetterMessage, formatSplitMessage, formatFailedSplitMessage } from './SplitMessageCodec';
export type { DeadLetterMessage } from './SplitMessageCodec';
