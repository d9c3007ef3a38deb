import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { PassThrough, Readable } from 'node:stream';
import { awsErrorName, isAwsError, wrapAwsError } from '../../../aws/errors';
import { sharedS3Client } from '../../../aws/s3Client';
import { ConfigError, RetryableError, SplitFailedError } from '../../../errors/AdfError';
import { parseS3Uri } from '../../../util/s3Uri';
import { isListable, type FileLocation, type FileRef, type FileStore } from './FileStore';

export interface S3FileStoreOptions {
  /** `s3://bucket/prefix`: the prefix is read as a directory (`prefix/`), or as one object when nothing lies under it. */
  readonly root: string;
  readonly recursive: boolean;
  /** Keys per ListObjectsV2 page (at most 1000). */
  readonly pageSize: number;
  /** Default: the container's shared client (endpoint and path style from AWS_ENDPOINT_URL_S3). */
  readonly client?: S3Client;
}

/** Highest MaxKeys ListObjectsV2 accepts. */
const MAX_KEYS = 1000;
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * An S3 prefix as a FileStore.
 *
 * - `list` pages through ListObjectsV2 from StartAfter = the cursor's key (then S3's
 *   continuation token), so it holds one page whatever the prefix holds. fileId = key relative to
 *   the prefix; keys ending in '/' (folder markers) and hidden segments are left out; not
 *   recursive lists with Delimiter '/'.
 * - `openRange` is a ranged GetObject with `IfMatch: etag`: every read is pinned to the listed
 *   version. An object replaced since (412) or gone (404) fails the read with SplitFailedError
 *   naming s3://bucket/key and the ETags; a network failure is a RetryableError.
 * - `move` is CopyObject + DeleteObject (CopyObject copies objects up to 5 GB).
 *
 * @example
 * const store = new S3FileStore({ root: 's3://in-bucket/orders/', recursive: true, pageSize: 1000 });
 * for await (const page of store.list()) console.log(page.map((f) => [f.fileId, f.etag]));
 */
export class S3FileStore implements FileStore {
  readonly root: string;
  private readonly bucket: string;
  /** '' (the whole bucket) or a key prefix ending in '/'. */
  private readonly prefix: string;
  /** The root's key when it might name one object (`s3://b/data/a.csv`). */
  private readonly singleKey: string | undefined;
  private readonly client: S3Client;

  constructor(private readonly options: S3FileStoreOptions) {
    const { bucket, key } = parseS3Uri(options.root);
    this.root = options.root;
    this.bucket = bucket;
    this.prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
    this.singleKey = key === '' || key.endsWith('/') ? undefined : key;
    this.client = options.client ?? sharedS3Client();
  }

  async checkRoot(): Promise<void> {
    try {
      await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, MaxKeys: 1 }));
    } catch (error) {
      if (isAwsError(error, 'NoSuchBucket')) {
        throw new ConfigError(`bucket does not exist: s3://${this.bucket} (path ${this.root})`, { cause: error, context: { field: 'path', file: this.root } });
      }
      if (isAwsError(error, 'AccessDenied', 'AllAccessDisabled', 'InvalidAccessKeyId')) {
        throw new ConfigError(`cannot list ${this.root}: ${awsErrorName(error)}`, { cause: error, context: { field: 'path', file: this.root } });
      }
      throw wrapAwsError(error, `ListObjectsV2 ${this.root}`, { file: this.root });
    }
  }

  async *list(cursor?: string): AsyncGenerator<FileRef[]> {
    const startAfter = cursor === undefined ? undefined : this.prefix + cursor;
    let continuationToken: string | undefined;
    let listedAny = false;
    do {
      // The cursor's key starts the listing; later pages follow S3's continuation token, which
      // also steps over the common prefixes of a non-recursive listing.
      const command = new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: this.prefix,
        ...(continuationToken ? { ContinuationToken: continuationToken } : { StartAfter: startAfter }),
        MaxKeys: Math.min(this.options.pageSize, MAX_KEYS),
        Delimiter: this.options.recursive ? undefined : '/',
      });
      const page: ListObjectsV2CommandOutput = await this.aws(`ListObjectsV2 ${this.root}`, () => this.client.send(command));
      const refs: FileRef[] = [];
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        listedAny = true;
        const fileId = object.Key.slice(this.prefix.length);
        if (!isListable(fileId, this.options.recursive)) continue;
        refs.push({
          path: this.uri(object.Key),
          fileId,
          size: object.Size ?? 0,
          ...(object.ETag ? { etag: object.ETag } : {}),
          ...(object.LastModified ? { modifiedAt: object.LastModified } : {}),
        });
      }
      listedAny ||= (page.CommonPrefixes?.length ?? 0) > 0;
      if (refs.length > 0) yield refs;
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    // Nothing under `key/`: the root may name a single object, listed under its own name.
    if (!listedAny && cursor === undefined && this.singleKey !== undefined) {
      const ref = await this.stat(this.uri(this.singleKey));
      if (ref) yield [ref];
    }
  }

  openRange(file: FileLocation, start: number, end?: number): Readable {
    if ((end !== undefined && end <= start) || (file.size !== undefined && start >= file.size)) return Readable.from([]);
    const { bucket, key } = parseS3Uri(file.path);
    const range = end === undefined ? (start === 0 ? undefined : `bytes=${start}-`) : `bytes=${start}-${end - 1}`;
    const out = new PassThrough({ highWaterMark: READ_CHUNK_BYTES });
    const abort = new AbortController();
    let settled = false;
    out.once('close', () => {
      if (!settled) abort.abort();
    });
    this.client
      .send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range, IfMatch: file.etag }), { abortSignal: abort.signal })
      .then((response) => {
        settled = true;
        const body = response.Body as Readable | undefined;
        // Emulators without If-Match support still answer with the ETag they served.
        if (file.etag && response.ETag && response.ETag !== file.etag) {
          body?.destroy();
          out.destroy(replaced(file.path, file.etag, response.ETag));
          return;
        }
        if (!body) return void out.end();
        if (out.destroyed) return void body.destroy();
        // A body that fails midway (connection reset, checksum mismatch): the read may succeed again.
        body.once('error', (error) => out.destroy(new RetryableError(`reading ${file.path} failed midway: ${error.message}`, { cause: error, context: { file: file.path } })));
        out.once('close', () => body.destroy());
        body.pipe(out);
      })
      .catch(async (error: unknown) => {
        settled = true;
        if (abort.signal.aborted) return;
        // A range that starts at the end of the object (a split resumed at its very end) is empty.
        if (isAwsError(error, 'InvalidRange') && end === undefined) return void out.end();
        out.destroy(await this.readError(error, file));
      });
    return out;
  }

  async stat(path: string): Promise<FileRef | undefined> {
    const { bucket, key } = parseS3Uri(path);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        path,
        fileId: this.fileIdOf(path) ?? key.slice(key.lastIndexOf('/') + 1),
        size: head.ContentLength ?? 0,
        ...(head.ETag ? { etag: head.ETag } : {}),
        ...(head.LastModified ? { modifiedAt: head.LastModified } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw wrapAwsError(error, `HeadObject ${path}`, { file: path });
    }
  }

  async delete(path: string): Promise<void> {
    const { bucket, key } = parseS3Uri(path);
    // S3 answers a delete of a missing key with success, which is what idempotence wants.
    await this.aws(`DeleteObject ${path}`, () => this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
  }

  async move(path: string, toPath: string): Promise<void> {
    const from = parseS3Uri(path);
    const to = parseS3Uri(toPath, 'afterFinish.moveTo');
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: to.bucket, Key: to.key, CopySource: `${from.bucket}/${encodeKey(from.key)}` }));
    } catch (error) {
      if (isNotFound(error)) return; // moved already (a concurrent or earlier call)
      throw wrapAwsError(error, `CopyObject ${path} → ${toPath}`, { file: path });
    }
    await this.delete(path);
  }

  fileIdOf(path: string): string | undefined {
    if (!path.startsWith('s3://')) return undefined;
    const { bucket, key } = parseS3Uri(path);
    if (bucket !== this.bucket) return undefined;
    if (this.singleKey !== undefined && key === this.singleKey) return key.slice(key.lastIndexOf('/') + 1);
    if (!key.startsWith(this.prefix) || key.length === this.prefix.length || key.endsWith('/')) return undefined;
    return key.slice(this.prefix.length);
  }

  private uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /** An SDK call with its failure wrapped once, here at the boundary (RetryableError when retrying may help). */
  private async aws<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw wrapAwsError(error, action, { file: this.root });
    }
  }

  /** A failed GetObject as the error a reader acts on: the object changed, vanished, or S3 failed. */
  private async readError(error: unknown, file: FileLocation): Promise<Error> {
    const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    if (isAwsError(error, 'PreconditionFailed') || status === 412) {
      const now = await this.stat(file.path).catch(() => undefined);
      if (!now) return vanished(file.path, file.etag, error);
      return replaced(file.path, file.etag, now.etag, error);
    }
    if (isNotFound(error)) return vanished(file.path, file.etag, error);
    return wrapAwsError(error, `GetObject ${file.path}`, { file: file.path });
  }
}

function replaced(path: string, listed: string | undefined, now: string | undefined, cause?: unknown): SplitFailedError {
  const etags = `listed with ETag ${listed ?? '(unknown)'}, now ${now ?? '(unknown)'}`;
  return new SplitFailedError(`object replaced while it was being read: ${path} (${etags}); its splits are not mixed across versions`, {
    cause,
    context: { file: path, expectedEtag: listed, actualEtag: now },
  });
}

function vanished(path: string, listed: string | undefined, cause?: unknown): SplitFailedError {
  return new SplitFailedError(`object vanished: ${path}${listed ? ` (listed with ETag ${listed})` : ''} no longer exists`, {
    cause,
    context: { file: path, expectedEtag: listed },
  });
}

function isNotFound(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return isAwsError(error, 'NoSuchKey', 'NotFound') || status === 404;
}

/** CopySource wants the key URL-encoded; '/' may stay as it is. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
