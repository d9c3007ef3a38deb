import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { announceClient } from './clientHooks';
import { baseClientConfig, type AwsClientOptions } from './config';

/**
 * A new DynamoDB client. The endpoint needs no special handling: the SDK reads
 * AWS_ENDPOINT_URL_DYNAMODB itself, or takes `options.endpoints.dynamodb`.
 *
 * @example
 * const ddb = createDynamoDbClient({ region: 'us-east-1', endpoints: { dynamodb: 'http://127.0.0.1:8000' } });
 */
export function createDynamoDbClient(options: AwsClientOptions = {}): DynamoDBClient {
  return announceClient(new DynamoDBClient(baseClientConfig('dynamodb', options)), 'dynamodb');
}

/**
 * The document (plain JS values) view of `client`. Optional fields of a row are left out
 * rather than rejected (`removeUndefinedValues`), as split rows have many optional fields.
 */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

let shared: DynamoDBClient | undefined;
let sharedDocuments: DynamoDBDocumentClient | undefined;

/** The container's DynamoDB client, built on first use from the environment and reused. */
export function sharedDynamoDbClient(): DynamoDBClient {
  return (shared ??= createDynamoDbClient());
}

/**
 * The container's document client, over the shared DynamoDB client.
 *
 * @example
 * await sharedDocumentClient().send(new GetCommand({ TableName, Key: { pk, sk } }));
 */
export function sharedDocumentClient(): DynamoDBDocumentClient {
  return (sharedDocuments ??= createDocumentClient(sharedDynamoDbClient()));
}
