import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client, sharedS3Client } from '../aws/s3Client';
import { wrapAwsError } from '../aws/errors';
import { parseS3Uri } from '../util/s3Uri';
import { toJsonLines } from './jsonLines';
import type { LineFormat } from './jsonLines';
import type { Sink, SinkBatch, SinkContext, SinkWriter } from './Sink';
import { parseS3State, S3SinkKeys, StagedS3Writer } from './StagedS3Writer';

export interface S3JsonlSinkOptions {
  /** `s3://bucket/prefix/`: objects go to `<prefix><split>/<batch number>.jsonl`. */
  readonly uri: string;
  readonly format?: LineFormat;
  readonly client?: S3Client;
}

/**
 * One JSON Lines object per committed batch. The sink state of a split is the number of its
 * committed batches, so a batch that is written again after a crash gets the same key and
 * replaces the object: exactly-once without reading anything back. Where leases can pass on
 * under a running writer (serverless), batches are staged under their lease token and copied
 * to that key after the commit instead (StagedS3Writer).
 *
 * @example
 * defineFlow({ name: 'orders', source, sink: s3JsonlSink({ uri: 's3://my-bucket/out/orders/' }) });
 */
export class S3JsonlSink implements Sink {
  readonly type = 's3';
  constructor(private readonly options: S3JsonlSinkOptions) {
    parseS3Uri(options.uri, 'out');
  }

  async open(ctx?: SinkContext): Promise<SinkWriter<unknown>> {
    const { bucket, key } = parseS3Uri(this.options.uri, 'out');
    const keys = new S3SinkKeys(bucket, key === '' || key.endsWith('/') ? key : `${key}/`);
    // A client of its own when a request timeout is asked for: the shared one serves long source reads.
    const client = this.options.client ?? (ctx?.requestTimeoutMs ? createS3Client({ requestTimeoutMs: ctx.requestTimeoutMs }) : sharedS3Client());
    if (ctx?.leasesExpire) return new StagedS3Writer(client, keys, this.options.format);
    return {
      write: async (batch: SinkBatch<unknown>) => {
        const { seq } = parseS3State(batch.sinkState);
        if (batch.records.length === 0) return seq;
        const body = toJsonLines(batch.records, this.options.format);
        const objectKey = keys.final(batch.splitId, seq);
        try {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: body, ContentType: 'application/x-ndjson' }), batch.signal ? { abortSignal: batch.signal } : {});
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
