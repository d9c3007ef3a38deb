import { parentPort, workerData } from 'node:worker_threads';
import { createS3Client } from '../../../lib/aws/s3Client';
import type { AwsClientOptions } from '../../../lib/aws/config';
import { FileSplitSerializer, openFileStore, type FormatOptions } from '../../../lib/sources/file';
import type { SerializedSplitData } from '../../../lib/source-support/SourceSplit';
import { digestSplits } from './bigCsv';

interface DigestJob {
  readonly splits: { version: number; data: SerializedSplitData }[];
  readonly formats: FormatOptions;
  readonly root: string;
  readonly aws?: AwsClientOptions;
}

const job = workerData as DigestJob;
const store = openFileStore({ root: job.root, recursive: true, pageSize: 1000, s3Client: job.aws ? createS3Client(job.aws) : undefined });
digestSplits(
  job.splits.map((s) => FileSplitSerializer.deserialize(s.version, s.data)),
  job.formats,
  store,
).then(
  (digest) => parentPort!.postMessage({ digest }),
  (error: Error) => parentPort!.postMessage({ error: error.stack ?? String(error) }),
);
