import type { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

  /** A conditional UpdateItem (ReturnValues ALL_NEW): the row after it, or undefined when its condition failed. */
  async updateRow(command: UpdateCommand, action: string, splitId: string): Promise<SplitRow | undefined> {
    const output = await this.sendConditional(() => this.client.send(command), action, splitId);
    return output === undefined ? undefined : decodeSplitRow(output.Attributes!);
  }
}
