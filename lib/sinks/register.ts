import { registerSink, requiredOption } from '../flow/registry';
import { jsonlSink } from './JsonlFileSink';
import { nullSink } from './NullSink';
import type { S3JsonlSink } from './S3JsonlSink';
import { stdoutSink } from './StdoutSink';

registerSink(['jsonl'], (o) => jsonlSink({ dir: requiredOption(o, 'out', '--out') }));
// Loaded on use: the S3 client is heavy for runs that never touch S3.
registerSink(['s3'], (o) => {
  const { S3JsonlSink: Sink } = require('./S3JsonlSink') as { S3JsonlSink: typeof S3JsonlSink }; // eslint-disable-line @typescript-eslint/no-require-imports
  return new Sink({ uri: requiredOption(o, 'out', '--out') });
});
registerSink(['stdout'], () => stdoutSink());
registerSink(['null'], () => nullSink());
