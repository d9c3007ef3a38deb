import type { Readable } from 'node:stream';

/**
 * One file (or object) as a store lists it.
 *
 * @example
 * const ref: FileRef = { path: 's3://in-bucket/orders/2024/a.csv', fileId: '2024/a.csv', size: 1042, etag: '"9b2cf535f27731c974343645a3985328"' };
 */
export interface FileRef {
  /** Absolute local path, or `s3://bucket/key`. */
  readonly path: string;
  /** Path relative to the store's root, posix separators: the split id and record id prefix. */
  readonly fileId: string;
  readonly size: number;
  /**
   * The version that was listed (S3 ETag, quotes included; for a local file `local:inode:size:mtime`);
   * reads are pinned to it.
   */
  readonly etag?: string;
  readonly modifiedAt?: Date;
  /** Set when the entry is listed but cannot be read as a file (a link to a directory, an unlistable directory). */
  readonly unreadable?: string;
  /** A directory that could not be listed: reported whatever the include/exclude globs say of its name. */
  readonly directory?: boolean;
}

/** What a read needs of a file: where it is and, when known, the version to pin and its size. */
export type FileLocation = Pick<FileRef, 'path'> & Partial<Pick<FileRef, 'etag' | 'size'>>;

/**
 * Where files live: a local directory or an S3 prefix. Discovery lists through it, readers
 * open byte ranges through it, and the after-finish action deletes or moves through it.
 *
 * `list` yields pages in a stable order of `fileId` (S3: the key order of ListObjectsV2;
 * local: path segments compared one by one, which is the order of a sorted depth-first walk)
 * and resumes *after* a cursor fileId, so a caller holds one page at a time however many
 * files there are.
 *
 * @example
 * const store = new LocalFileStore({ root: '/data/in', recursive: true, pageSize: 1000 });
 * for await (const page of store.list()) for (const ref of page) console.log(ref.fileId, ref.size);
 * store.openRange(ref, 0, 1024).pipe(process.stdout);
 */
export interface FileStore {
  /** The root as configured: an absolute directory or file path, or `s3://bucket/prefix`. */
  readonly root: string;
  /** Throws ConfigError naming the root when it cannot be listed at all (missing directory, missing bucket). */
  checkRoot(): Promise<void>;
  list(cursor?: string): AsyncIterable<FileRef[]>;
  /**
   * Bytes [start, end) of the file (to its end without `end`). With `etag` set the read is
   * pinned to that version: a replaced file fails the stream with SplitFailedError, never
   * yields bytes of two versions. Errors arrive as the stream's 'error' (AdfError subclasses).
   */
  openRange(file: FileLocation, start: number, end?: number): Readable;
  /** The file at `path` (absolute path or s3:// url), or undefined when there is none. */
  stat(path: string): Promise<FileRef | undefined>;
  /** Removes the file; a file that is already gone is not an error. */
  delete(path: string): Promise<void>;
  /** Moves the file (replacing `toPath`); a source that is already gone is not an error. */
  move(path: string, toPath: string): Promise<void>;
  /** The fileId `path` has under this root, or undefined when it lies outside the root. */
  fileIdOf(path: string): string | undefined;
}

/**
 * False when a fileId names something listing never yields: a hidden file or directory (a
 * segment starting with '.'), a folder marker (ending in '/'), or a nested path when the
 * store is not recursive.
 */
export function isListable(fileId: string, recursive: boolean): boolean {
  if (fileId === '' || fileId.endsWith('/') || (!recursive && fileId.includes('/'))) return false;
  return !fileId.split('/').some((segment) => segment.startsWith('.'));
}
