import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { isAwsError, wrapAwsError } from '../aws/errors';
import { AdfError, SplitFailedError } from '../errors';
import { safeName } from '../util/safeName';
import { toJsonLines } from './jsonLines';
import type { LineFormat } from './jsonLines';
import type { SinkBatch, SinkCall, SinkWriter } from './Sink';

/** A split's committed S3 sink state: batches committed, and the last one's lease token while it may still be staged. */
export interface S3SinkState {
  readonly seq: number;
  readonly pending?: { readonly token: number };
}

export function parseS3State(state: unknown): S3SinkState {
  if (state === undefined || state === null) return { seq: 0 };
  if (typeof state === 'number') return { seq: state }; // written in place (embedded, or an older version)
  const s = state as Partial<S3SinkState>;
  if (typeof s.seq === 'number' && (s.pending === undefined || typeof s.pending.token === 'number')) return { seq: s.seq, pending: s.pending };
  throw new SplitFailedError(`unreadable S3 sink state ${JSON.stringify(state)}`);
}

/** The object keys of one sink: `<prefix><split>/<batch>.jsonl`, staged under `<prefix>.adf-pending/`. */
export class S3SinkKeys {
  constructor(readonly bucket: string, readonly prefix: string) {}

  final(splitId: string, seq: number): string {
    return `${this.prefix}${safeName(splitId)}/${String(seq).padStart(10, '0')}.jsonl`;
  }

  /** Only the holder of `token` writes this key: a late PutObject of a stale holder lands on its own key. */
  staged(splitId: string, seq: number, token: number): string {
    return `${this.prefix}.adf-pending/${safeName(splitId)}/${String(seq).padStart(10, '0')}.${token}.jsonl`;
  }
}

/**
 * The S3 writer where a lease can pass on while its holder still writes (serverless): a batch is
 * put under a key of its lease token and copied to its final key only after the fenced commit.
 * Every copy to a final key copies the one committed object for it, so a late copy (or a late
 * PutObject, which only ever targets its own staged key) cannot replace committed output.
 */
export class StagedS3Writer implements SinkWriter<unknown> {
  /** The staged key of the last batch this writer put per split: publishing it needs no HeadObject. */
  private readonly staged = new Map<string, string>();

  constructor(private readonly client: S3Client, private readonly keys: S3SinkKeys, private readonly format?: LineFormat) {}

  async write(batch: SinkBatch<unknown>): Promise<unknown> {
    if (batch.records.length === 0) return batch.sinkState;
    if (batch.leaseToken === undefined) throw new AdfError(`a staged S3 write of ${batch.splitId} needs its lease token`, { context: { splitId: batch.splitId } });
    const { seq } = parseS3State(batch.sinkState);
    const key = this.keys.staged(batch.splitId, seq, batch.leaseToken);
    const body = toJsonLines(batch.records, this.format);
    await this.call(`PutObject s3://${this.keys.bucket}/${key}`, batch.splitId, (o) => this.client.send(new PutObjectCommand({ Bucket: this.keys.bucket, Key: key, Body: body, ContentType: 'application/x-ndjson' }), o), batch.signal);
    this.staged.set(batch.splitId, key);
    return { seq: seq + 1, pending: { token: batch.leaseToken } } satisfies S3SinkState;
  }

  async publish(splitId: string, sinkState: unknown, call: SinkCall): Promise<void> {
    const state = parseS3State(sinkState);
    if (!state.pending) return;
    const { bucket } = this.keys;
    const staged = this.keys.staged(splitId, state.seq - 1, state.pending.token);
    const final = this.keys.final(splitId, state.seq - 1);
    // Another holder's batch (recovery): usually published already, which one HEAD tells.
    if (this.staged.get(splitId) !== staged && (await this.exists(final, splitId, call.signal))) return;
    this.staged.delete(splitId);
    try {
      await this.call(`CopyObject s3://${bucket}/${staged} to ${final}`, splitId, (o) => this.client.send(new CopyObjectCommand({ Bucket: bucket, Key: final, CopySource: `${bucket}/${encodeURIComponent(staged)}` }), o), call.signal);
    } catch (e) {
      // Gone: published (and removed) by another holder already, unless the final object is missing too.
      if (!isAwsError((e as AdfError).cause, 'NoSuchKey', 'NotFound')) throw e;
      if (!(await this.exists(final, splitId, call.signal))) {
        throw new SplitFailedError(`committed batch s3://${bucket}/${final} is missing and its staged object s3://${bucket}/${staged} is gone`, { context: { splitId, file: `s3://${bucket}/${final}` } });
      }
      return;
    }
    await this.call(`DeleteObject s3://${bucket}/${staged}`, splitId, (o) => this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: staged }), o), call.signal);
  }

  async discard(splitId: string, sinkState: unknown): Promise<void> {
    this.staged.delete(splitId);
    const state = parseS3State(sinkState);
    if (!state.pending) return;
    const key = this.keys.staged(splitId, state.seq - 1, state.pending.token);
    await this.call(`DeleteObject s3://${this.keys.bucket}/${key}`, splitId, (o) => this.client.send(new DeleteObjectCommand({ Bucket: this.keys.bucket, Key: key }), o));
  }

  async close(): Promise<void> {}

  private async exists(key: string, splitId: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.call(`HeadObject s3://${this.keys.bucket}/${key}`, splitId, (o) => this.client.send(new HeadObjectCommand({ Bucket: this.keys.bucket, Key: key }), o), signal);
      return true;
    } catch (e) {
      if (isAwsError((e as AdfError).cause, 'NotFound', 'NoSuchKey')) return false;
      throw e;
    }
  }

  private async call(what: string, splitId: string, send: (options: { abortSignal?: AbortSignal }) => Promise<unknown>, signal?: AbortSignal): Promise<void> {
    try {
      await send(signal ? { abortSignal: signal } : {});
    } catch (e) {
      throw wrapAwsError(e, what, { splitId });
    }
  }
}
