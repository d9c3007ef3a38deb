import { createGunzip } from 'node:zlib';
import { AdfError, SplitFailedError } from '../../../errors/AdfError';
import type { FileCompression } from '../FileSplit';
import type { FileLocation, FileStore } from '../store/FileStore';
import { BOM_SNIFF_BYTES } from './TextEncoding';

/**
 * The first bytes of a file's (decompressed) content, enough to see a byte order mark: a
 * split that starts mid-file needs them to know the file's encoding. Pinned like every read.
 *
 * @example
 * const head = await readFileHead(store, { path: '/data/a.csv', size: 1 << 30 }, 'none');
 */
export async function readFileHead(store: FileStore, file: FileLocation, compression: FileCompression, context?: { splitId: string; file: string }): Promise<Buffer> {
  try {
    return await readHead(store, file, compression);
  } catch (error) {
    // As ByteSource reports read errors: the store's own errors (a replaced object) with the split named, others as SplitFailedError.
    if (error instanceof AdfError) {
      if (context) error.context.splitId ??= context.splitId;
      throw error;
    }
    throw new SplitFailedError(`cannot read the start of ${file.path}: ${(error as Error).message}`, {
      cause: error,
      context: { splitId: context?.splitId, file: file.path, offset: 0, code: (error as NodeJS.ErrnoException).code },
    });
  }
}

async function readHead(store: FileStore, file: FileLocation, compression: FileCompression): Promise<Buffer> {
  const input = compression === 'none' ? store.openRange(file, 0, BOM_SNIFF_BYTES) : store.openRange(file, 0);
  const stream = compression === 'none' ? input : input.pipe(createGunzip());
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= BOM_SNIFF_BYTES) break;
    }
  } finally {
    input.destroy();
    if (stream !== input) stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, BOM_SNIFF_BYTES);
}
