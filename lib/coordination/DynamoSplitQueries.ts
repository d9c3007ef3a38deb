import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { SPLIT_SORT_KEY_PREFIX, STATUS_LEASE_INDEX, type IndexedSplitStatus, flowPartitionKey, statusIndexPartitionKey, statusIndexSortKey } from '../aws/splitTable';
import type { DynamoSplitClient } from './DynamoSplitClient';
import { decodeSplitRow } from './DynamoSplitRowCodec';
import type { SplitCounts } from './ServerlessSplitStore';
import type { SplitRow, SplitStatus } from './SplitStore';

type QueryInput = Omit<QueryCommandInput, 'TableName'>;

/**
 * The read side of DynamoSplitStore: paged Queries over one flow's rows, one page in memory at
 * a time. The flow's own partition is read strongly consistent; the status index cannot be,
 * which is harmless because every write that follows an index query is conditional.
 */
export class DynamoSplitQueries {
  constructor(
    private readonly table: DynamoSplitClient,
    /** Items per Query page. */
    private readonly pageSize: number,
  ) {}

  /** Rows in sort-key order (split id, UTF-8 byte order). */
  list(): AsyncIterable<SplitRow> {
    return this.rows(
      {
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
        ExpressionAttributeValues: { ':pk': flowPartitionKey(this.table.flow), ':prefix': SPLIT_SORT_KEY_PREFIX },
        ConsistentRead: true,
      },
      Number.POSITIVE_INFINITY,
      'list splits',
    );
  }

  /** `gsi1pk = FLOW#f#<status> AND gsi1sk < before`: the index holds PENDING, ASSIGNED, unreported FAILED and after-finish-pending rows. */
  listIndex(status: IndexedSplitStatus, before: number, limit: number, action: string): AsyncIterable<SplitRow> {
    return this.rows(
      {
        IndexName: STATUS_LEASE_INDEX,
        KeyConditionExpression: '#gsi1pk = :index AND #gsi1sk < :before',
        ExpressionAttributeNames: { '#gsi1pk': 'gsi1pk', '#gsi1sk': 'gsi1sk' },
        ExpressionAttributeValues: { ':index': statusIndexPartitionKey(this.table.flow, status), ':before': statusIndexSortKey(Math.max(0, Math.floor(before))) },
      },
      limit,
      action,
    );
  }

  /**
   * Reads every row's status, a page at a time: cost grows with the flow's size. A counter row
   * updated with each transition would answer in one read, at the price of a second write per
   * state change (a transaction, or drift); fine for now.
   */
  async countByStatus(): Promise<SplitCounts> {
    const counts: Record<SplitStatus, number> = { PENDING: 0, ASSIGNED: 0, FINISHED: 0, FAILED: 0 };
    const input: QueryInput = {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ProjectionExpression: '#status',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#status': 'status' },
      ExpressionAttributeValues: { ':pk': flowPartitionKey(this.table.flow), ':prefix': SPLIT_SORT_KEY_PREFIX },
      ConsistentRead: true,
    };
    for await (const item of this.items(input, Number.POSITIVE_INFINITY, 'count splits')) {
      const status = item.status as SplitStatus;
      if (status in counts) counts[status]++;
    }
    return counts;
  }

  private async *rows(input: QueryInput, limit: number, action: string): AsyncIterable<SplitRow> {
    for await (const item of this.items(input, limit, action)) yield decodeSplitRow(item);
  }

  /** Pages through a Query, asking for no more than `limit` items overall. */
  private async *items(input: QueryInput, limit: number, action: string): AsyncIterable<Record<string, unknown>> {
    let remaining = limit;
    let startKey: Record<string, unknown> | undefined;
    while (remaining > 0) {
      const query = new QueryCommand({ ...input, TableName: this.table.tableName, Limit: Math.min(this.pageSize, remaining), ExclusiveStartKey: startKey });
      const page = await this.table.send(() => this.table.client.send(query), action);
      for (const item of page.Items ?? []) {
        if (remaining-- <= 0) return;
        yield item;
      }
      startKey = page.LastEvaluatedKey;
      if (startKey === undefined) return;
    }
  }
}
