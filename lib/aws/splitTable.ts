/**
 * The split table's contract: the key layout the DynamoDB split store reads and writes, and
 * the table definition `ensureSplitTable` creates (the LocalStack init hook mirrors it).
 *
 * One table holds every flow:
 *
 * | row             | pk              | sk                 | gsi1pk (sparse)              | gsi1sk                        |
 * |-----------------|-----------------|--------------------|------------------------------|-------------------------------|
 * | split, ASSIGNED | `FLOW#<flow>`   | `SPLIT#<splitId>`  | `FLOW#<flow>#ASSIGNED`       | lease expiry, epoch ms, padded |
 * | split, PENDING  | `FLOW#<flow>`   | `SPLIT#<splitId>`  | `FLOW#<flow>#PENDING`        | last update, epoch ms, padded  |
 * | split, FAILED, alert not yet sent | `FLOW#<flow>` | `SPLIT#<splitId>` | `FLOW#<flow>#FAILED` | failure / last send try, padded |
 * | split, FINISHED, or FAILED and reported | `FLOW#<flow>` | `SPLIT#<splitId>` | (removed) | (removed)              |
 * | enumerator      | `FLOW#<flow>`   | `ENUMERATOR`       | —                            | —                             |
 *
 * The index is sparse: finished rows, and failed rows once their dead-letter alert was sent,
 * REMOVE gsi1pk/gsi1sk, so the failure handler's queries (`gsi1pk = FLOW#f#ASSIGNED AND gsi1sk
 * < now` = expired leases; `FLOW#f#PENDING AND gsi1sk < now - grace` = orphaned PENDING splits;
 * `FLOW#f#FAILED AND gsi1sk < now - grace` = failures whose alert was never sent) only ever
 * touch work left to do.
 *
 * Key sizes: DynamoDB limits a sort key to 1024 bytes, so a split id longer than 1017 UTF-8
 * bytes must be shortened (e.g. hashed) by the store before it becomes a key.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../errors';

export const SPLIT_TABLE_PARTITION_KEY = 'pk';
export const SPLIT_TABLE_SORT_KEY = 'sk';

/** GSI over (gsi1pk, gsi1sk) that finds expired leases and orphaned PENDING splits. */
export const STATUS_LEASE_INDEX = 'byStatusLease';
export const STATUS_LEASE_INDEX_PARTITION_KEY = 'gsi1pk';
export const STATUS_LEASE_INDEX_SORT_KEY = 'gsi1sk';

/** Epoch seconds after which DynamoDB may delete the row (only where TTL is supported). */
export const TTL_ATTRIBUTE = 'ttl';

export const FLOW_KEY_PREFIX = 'FLOW#';
export const SPLIT_SORT_KEY_PREFIX = 'SPLIT#';
/** The sort key of the flow's enumerator row (discovery cursor, no-more-splits). */
export const ENUMERATOR_SORT_KEY = 'ENUMERATOR';

/**
 * Partitions of the status/lease index: PENDING and ASSIGNED rows, FAILED rows until their
 * alert was sent, and AFTER_FINISH for FINISHED rows whose after-finish action (delete/move
 * the file) is still to be done.
 */
export type IndexedSplitStatus = 'ASSIGNED' | 'PENDING' | 'FAILED' | 'AFTER_FINISH';

/** Digits of a zero-padded epoch-ms sort key: string order = numeric order until year 33658. */
export const INDEX_TIME_DIGITS = 15;

/** `FLOW#<flow>`. Flow names may not contain '#', which separates key parts. */
export function flowPartitionKey(flow: string): string {
  if (flow.length === 0 || flow.includes('#')) {
    throw new ConfigError(`flow name must be non-empty and contain no '#' (got '${flow}')`, { context: { field: 'flow' } });
  }
  return FLOW_KEY_PREFIX + flow;
}

/** `SPLIT#<splitId>`. */
export function splitSortKey(splitId: string): string {
  return SPLIT_SORT_KEY_PREFIX + splitId;
}

/** `FLOW#<flow>#ASSIGNED`, `FLOW#<flow>#PENDING`, `FLOW#<flow>#FAILED` or `FLOW#<flow>#AFTER_FINISH`. */
export function statusIndexPartitionKey(flow: string, status: IndexedSplitStatus): string {
  return `${flowPartitionKey(flow)}#${status}`;
}

/** An epoch-ms time as a fixed-width string, so the index sorts (and `<` compares) by time. */
export function statusIndexSortKey(epochMs: number): string {
  if (!Number.isSafeInteger(epochMs) || epochMs < 0) {
    throw new RangeError(`epochMs must be a non-negative integer (got ${epochMs})`);
  }
  return String(epochMs).padStart(INDEX_TIME_DIGITS, '0');
}

/**
 * CreateTable input for the split table: on-demand billing, every attribute of the index
 * projected (the failure handler re-enqueues from the index row alone).
 */
export function splitTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: SPLIT_TABLE_PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: SPLIT_TABLE_SORT_KEY, AttributeType: 'S' },
      { AttributeName: STATUS_LEASE_INDEX_PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: STATUS_LEASE_INDEX_SORT_KEY, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: SPLIT_TABLE_PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SPLIT_TABLE_SORT_KEY, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: STATUS_LEASE_INDEX,
        KeySchema: [
          { AttributeName: STATUS_LEASE_INDEX_PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: STATUS_LEASE_INDEX_SORT_KEY, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}
