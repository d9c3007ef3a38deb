import { S3Client } from '@aws-sdk/client-s3';
import { announceClient } from './clientHooks';
import { baseClientConfig, hasEndpointOverride, type AwsClientOptions } from './config';

/**
 * A new S3 client. With an endpoint override it uses path-style URLs: virtual-host names
 * (`<bucket>.localhost`, `<bucket>.127.0.0.1`) do not resolve for emulators or LocalStack.
 *
 * @example
 * const s3 = createS3Client({ region: 'us-east-1', endpoints: { s3: 'http://127.0.0.1:4566' } });
 */
export function createS3Client(options: AwsClientOptions = {}): S3Client {
  const client = new S3Client({
    ...baseClientConfig('s3', options),
    ...(hasEndpointOverride('s3', options) ? { forcePathStyle: true } : {}),
  });
  return announceClient(client, 's3');
}

let shared: S3Client | undefined;

/** The container's S3 client, built on first use from the environment (AWS_ENDPOINT_URL_S3 …) and reused. */
export function sharedS3Client(): S3Client {
  return (shared ??= createS3Client());
}
