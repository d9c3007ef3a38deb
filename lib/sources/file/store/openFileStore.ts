import type { S3Client } from '@aws-sdk/client-s3';
import { isS3Uri } from '../../../util/s3Uri';
import type { FileStore } from './FileStore';
import { LocalFileStore } from './LocalFileStore';
import type { S3FileStore } from './S3FileStore';

export interface OpenFileStoreOptions {
  /** An absolute local path or `s3://bucket/prefix`. */
  readonly root: string;
  readonly recursive: boolean;
  readonly pageSize: number;
  /** For s3:// roots; default: the container's shared client. */
  readonly s3Client?: S3Client;
  /** For local roots: which links to files are read (default 'within-root'). */
  readonly followSymlinks?: 'within-root' | 'any' | 'never';
}

/**
 * The store for a root: S3 for `s3://…`, the local file system otherwise. The S3 store (and
 * with it the AWS SDK's S3 client) is loaded on first use, so local-only runs never load it.
 *
 * @example
 * const store = openFileStore({ root: 's3://in-bucket/orders/', recursive: true, pageSize: 1000 });
 */
export function openFileStore(options: OpenFileStoreOptions): FileStore {
  if (!isS3Uri(options.root)) return new LocalFileStore({ root: options.root, recursive: options.recursive, pageSize: options.pageSize, followSymlinks: options.followSymlinks });
  const { S3FileStore: Store } = require('./S3FileStore') as { S3FileStore: typeof S3FileStore }; // eslint-disable-line @typescript-eslint/no-require-imports
  return new Store({ root: options.root, recursive: options.recursive, pageSize: options.pageSize, client: options.s3Client });
}
