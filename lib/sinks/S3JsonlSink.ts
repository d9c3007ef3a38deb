import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { sharedS3Client } from '../aws/s3Client';
import { wrapAwsError } from '../aws/errors';
import { parseS3Uri } from '../util/s3Uri';
import { safeName } from '../util/safeName';
import { toJsonLines } from './jsonLines';
import type { LineFormat } from './jsonLines';
import type { Sink, SinkBatch, SinkWriter } from './Sink';

export interface S3JsonlSinkOptions {
  /** `s3://bucket/prefix/`: objects go to `<prefix><split>/<batch number>.jsonl`. */
  readonly uri: string;
  readonly format?: LineFormat;
  readonly client?: S3Client;
}

/**
 * One JSON Lines object per committed batch. The sink state of a split is the number of its
 * committed batches, so a batch that is written again after a crash gets the same key and
 * replaces the object: exactly-once without reading anything back.
 *
 * @example
 * defineFlow({ name: 'orders', source, sink: s3JsonlSink({ uri: 's3://my-bucket/out/orders/' }) });
 */
export class S3JsonlSink implements Sink {
  readonly type = 's3';
  constructor(private readonly options: S3JsonlSinkOptions) {
    parseS3Uri(options.uri, 'out');
  }

  async open(): Promise<SinkWriter<unknown>> {
    const { bucket, key } = parseS3Uri(this.options.uri, 'out');
    const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    const client = this.options.client ?? sharedS3Client();
    return {
      write: async (batch: SinkBatch<unknown>) => {
        const seq = typeof batch.sinkState === 'number' ? batch.sinkState : 0;
        if (batch.records.length === 0) return seq;
        const body = toJsonLines(batch.records, this.options.format);
        const objectKey = `${prefix}${safeName(batch.splitId)}/${String(seq).padStart(10, '0')}.jsonl`;
        try {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: body, ContentType: 'application/x-ndjson' }));
        } catch (e) {
          throw wrapAwsError(e, `PutObject s3://${bucket}/${objectKey}`, { splitId: batch.splitId });
        }
        return seq + 1;
      },
      close: async () => undefined,
    };
  }
}

export function s3JsonlSink(options: S3JsonlSinkOptions): S3JsonlSink {
  return new S3JsonlSink(options);
}
