import { SQSClient } from '@aws-sdk/client-sqs';
import { announceClient } from './clientHooks';
import { baseClientConfig, hasEndpointOverride, type AwsClientOptions } from './config';

/**
 * A new SQS client. With an endpoint override the SDK must not follow the QueueUrl's host:
 * emulators hand out URLs such as `http://sqs.us-east-1.localhost:<port>/000000000000/q`
 * whose host does not resolve, and by default the SDK sends each call to that host.
 *
 * @example
 * const sqs = createSqsClient({ region: 'us-east-1', endpoints: { sqs: 'http://127.0.0.1:4566' } });
 */
export function createSqsClient(options: AwsClientOptions = {}): SQSClient {
  const client = new SQSClient({
    ...baseClientConfig('sqs', options),
    ...(hasEndpointOverride('sqs', options) ? { useQueueUrlAsEndpoint: false } : {}),
  });
  return announceClient(client, 'sqs');
}

let shared: SQSClient | undefined;

/**
 * The container's SQS client: built on first use from the environment (AWS_REGION,
 * AWS_ENDPOINT_URL_SQS, AWS_MAX_ATTEMPTS …) and reused by every invocation, so warm Lambdas
 * keep their connections.
 *
 * @example
 * await sharedSqsClient().send(new SendMessageCommand({ QueueUrl, MessageBody }));
 */
export function sharedSqsClient(): SQSClient {
  return (shared ??= createSqsClient());
}
