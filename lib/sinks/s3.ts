/**
 * The S3 sink's own entry point: it loads @aws-sdk/client-s3, so the main entry does not export it.
 *
 * @example
 * import { s3JsonlSink } from 'activedataflow/lib/sinks/s3';
 * defineFlow({ name: 'orders', source, sink: s3JsonlSink({ uri: 's3://my-bucket/out/orders/' }) });
 */
export { S3JsonlSink, s3JsonlSink } from './S3JsonlSink';
export type { S3JsonlSinkOptions } from './S3JsonlSink';
