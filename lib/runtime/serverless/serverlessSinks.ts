import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../../errors';
import type { Flow } from '../../flow/Flow';
import { JsonlFileSink } from '../../sinks/JsonlFileSink';
import { VALUE_LINE } from '../../sinks/jsonLines';
import type { S3JsonlSink } from '../../sinks/S3JsonlSink';
import type { SinkWriter } from '../../sinks/Sink';
import { isS3Uri } from '../../util/s3Uri';
import type { ServerlessConfig } from './ServerlessConfig';
import type { ServerlessDeps } from './ServerlessDeps';

/** Where bad records go when a flow allowed to use local sinks names no dead-letter place. */
const LOCAL_DEAD_LETTER_DIR = '/tmp/adf-dead-letter';

/**
 * The flow's sink and the dead-letter sink, each opened once, as serverless readers need them:
 * with `leasesExpire` (a stalled reader's lease passes on, so writes are staged and published
 * after the commit) and an SDK request timeout below the lease grace.
 */
export function serverlessSinks(flow: Flow, config: Pick<ServerlessConfig, 'sinkRequestTimeoutMs'>, deadLetterClient?: S3Client): Pick<ServerlessDeps, 'sink' | 'deadLetter'> {
  const ctx = { readerId: 0, leasesExpire: true, ...(config.sinkRequestTimeoutMs > 0 ? { requestTimeoutMs: config.sinkRequestTimeoutMs } : {}) };
  const once = (open: () => Promise<SinkWriter<unknown>>) => {
    let writer: Promise<SinkWriter<unknown>> | undefined;
    return () => (writer ??= open());
  };
  const where = flow.deadLetterDir;
  const deadLetter = where && isS3Uri(where) ? s3DeadLetter(where, deadLetterClient) : new JsonlFileSink({ dir: where ?? LOCAL_DEAD_LETTER_DIR, format: VALUE_LINE });
  return { sink: once(() => flow.sink.open(ctx)), deadLetter: once(() => deadLetter.open(ctx)) };
}

/**
 * Loaded here, not imported at the top: the S3 sink pulls in the SDK's S3 client, the largest
 * part of a reader's cold start (bench/coldstart.bench.ts); the container builds its deps in the
 * first invocation, so module init does not pay for it.
 */
function s3DeadLetter(uri: string, client: S3Client | undefined): S3JsonlSink {
  const { S3JsonlSink: Sink } = require('../../sinks/S3JsonlSink') as typeof import('../../sinks/S3JsonlSink'); // eslint-disable-line @typescript-eslint/no-require-imports
  return new Sink({ uri, format: VALUE_LINE, ...(client ? { client } : {}) });
}

/**
 * Lambda's disk does not outlive its sandbox: committed records written there vanish, and the
 * next sandbox finds a part file shorter than its commit. Refused at start unless allowed
 * (a directory on an EFS mount, or `adf dev` on a machine whose disk lasts).
 */
export function assertDurableSinks(flow: Flow, config: Pick<ServerlessConfig, 'allowLocalSinks'>): void {
  if (config.allowLocalSinks) return;
  const hint = 'set ADF_ALLOW_LOCAL_SINKS=true only if it is on a file system that lasts (an EFS mount)';
  if (flow.sink instanceof JsonlFileSink) {
    throw new ConfigError(`ADF_FLOW.sink: a 'jsonl' sink writes to ${flow.sink.options.dir} on the function's local disk, which does not last; use "sink":"s3" with an s3:// "out", or ${hint}`, { context: { field: 'ADF_FLOW.sink' } });
  }
  const where = flow.deadLetterDir;
  if (!where || !isS3Uri(where)) {
    throw new ConfigError(`ADF_FLOW.deadLetter: ${where ? `'${where}' is a local directory` : 'not set'}; bad records need a place that lasts: an s3:// URI (e.g. "deadLetter":"s3://my-bucket/dead-letter/"), or a directory with ${hint}`, { context: { field: 'ADF_FLOW.deadLetter' } });
  }
}
