import { GetCommand, type DynamoDBDocumentClient, type PutCommand, type UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isAwsError, wrapAwsError } from '../aws/errors';
import type { ErrorContext } from '../errors';
import { decodeSplitRow } from './DynamoSplitRowCodec';
import type { SplitRow } from './SplitStore';

/**
 * The document client as one flow's split store uses it: every call to DynamoDB goes through
 * here, so AWS errors are wrapped into ours once, with the table and flow as context.
 */
export class DynamoSplitClient {
  constructor(
    /** Built once per container and shared by every store (lib/aws/dynamoDbClient). */
    readonly client: DynamoDBDocumentClient,
    readonly tableName: string,
    readonly flow: string,
  ) {}

  /** Runs one call, wrapping a failure once into our error types. */
  async send<T>(call: () => Promise<T>, action: string, context: ErrorContext = {}): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw wrapAwsError(error, `${action} in ${this.tableName}`, { ...context, table: this.tableName, flow: this.flow });
    }
  }

  /** Like `send`, but a failed condition is an answer (undefined), not an error. */
  async sendConditional<T>(call: () => Promise<T>, action: string, splitId: string): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (isAwsError(error, 'ConditionalCheckFailedException')) return undefined;
      throw wrapAwsError(error, `${action} ${splitId} in ${this.tableName}`, { splitId, table: this.tableName, flow: this.flow });
    }
  }

  /**
   * A conditional UpdateItem built by splitUpdateCommand: the row after it, or undefined when
   * its condition failed. A failed condition on a row that carries this call's `writeId` is
   * this call's own write, applied by an attempt whose response was lost (the SDK retried):
   * it counts as done, and the row as it was then is the answer.
   */
  async updateRow(command: UpdateCommand, action: string, splitId: string, writeId: string): Promise<SplitRow | undefined> {
    try {
      return decodeSplitRow((await this.client.send(command)).Attributes!);
    } catch (error) {
      const own = await this.ownWrite(error, command.input.Key!, writeId, action, splitId);
      return own === undefined ? undefined : decodeSplitRow(own);
    }
  }

  /** A conditional PutItem of a new row (ReturnValuesOnConditionCheckFailure ALL_OLD): false when the row existed before this call. */
  async putNew(command: PutCommand, action: string, splitId: string, writeId: string): Promise<boolean> {
    try {
      await this.client.send(command);
      return true;
    } catch (error) {
      return (await this.ownWrite(error, keyOf(command.input.Item!), writeId, action, splitId)) !== undefined;
    }
  }

  /**
   * After a write failed: the row as it was when its condition failed, if it shows `writeId`
   * (this call's own write); undefined for any other failed condition; other errors thrown.
   * DynamoDB (and DynamoDB Local) return that row with the error; dynalite ignores
   * ReturnValuesOnConditionCheckFailure, so without it a consistent read stands in (which may
   * already see a later write: then the own write is not recognised, as before this check).
   */
  private async ownWrite(error: unknown, key: Record<string, unknown>, writeId: string, action: string, splitId: string): Promise<Record<string, unknown> | undefined> {
    if (!isAwsError(error, 'ConditionalCheckFailedException')) {
      throw wrapAwsError(error, `${action} ${splitId} in ${this.tableName}`, { splitId, table: this.tableName, flow: this.flow });
    }
    const returned = (error as { Item?: Parameters<typeof unmarshall>[0] }).Item;
    const old = returned !== undefined ? unmarshall(returned) : await this.consistentGet(key, action, splitId);
    return old?.writeId === writeId ? old : undefined;
  }

  private async consistentGet(key: Record<string, unknown>, action: string, splitId: string): Promise<Record<string, unknown> | undefined> {
    const get = new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true });
    return (await this.send(() => this.client.send(get), `${action} (read back after a failed condition)`, { splitId })).Item;
  }
}

function keyOf(item: Record<string, unknown>): Record<string, unknown> {
  return { pk: item.pk, sk: item.sk };
}
