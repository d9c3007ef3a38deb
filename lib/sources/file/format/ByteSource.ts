import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AdfError, SplitFailedError } from '../../../errors/AdfError';
import type { FileCompression } from '../FileSplit';
import type { FileLocation, FileStore } from '../store/FileStore';

/**
 * Output size of one gunzip step. When zlib fails, it drops the output of the failing step,
 * so up to this many good bytes just before the damage end up in the dead-lettered rest
 * (which starts at the last record handed out: nothing is lost silently). 16 KB keeps that
 * window small at a cost that is noise next to parsing.
 */
const GUNZIP_CHUNK_BYTES = 16 * 1024;

export interface ByteSourceContext {
  readonly splitId: string;
  readonly file: string;
}

/**
 * The (decompressed) bytes of one file from an offset, pulled chunk by chunk with their
 * absolute offsets, read through the source's FileStore (local file or pinned S3 range).
 * Two kinds of failure are kept apart, because they mean different things for the split:
 * - the file cannot be read (ENOENT, EACCES, EIO, an S3 object replaced or gone): `ready()`
 *   rejects with the store's AdfError (or SplitFailedError) and the runtime fails the split;
 * - the gzip data is corrupt or truncated: `corruption` is set after the bytes decompressed
 *   before the damage have been handed out, and the reader dead-letters the rest.
 *
 * @example
 * const bytes = ByteSource.open(store, { path: '/data/a.csv.gz' }, 'gzip', 1042, undefined, { splitId: 'a.csv.gz', file: '/data/a.csv.gz' });
 * for (;;) { const chunk = bytes.read(); if (chunk) use(chunk); else if (bytes.ended) break; else await bytes.ready() }
 */
export class ByteSource {
  private nextOffset: number;
  private corruptionMessage: string | undefined;
  private ioError: Error | undefined;
  private streamEnded = false;
  private discard: number;
  private wake: (() => void) | undefined;

  private constructor(
    private readonly output: Readable,
    private readonly input: Readable,
    offset: number,
    discard: number,
    private readonly context: ByteSourceContext,
  ) {
    this.nextOffset = offset - discard;
    this.discard = discard;
    const signal = (): void => {
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    };
    input.on('error', (error: Error) => {
      this.ioError ??= error;
      if (output !== input) output.destroy();
      signal();
    });
    if (output !== input) {
      output.on('error', (error: Error) => {
        if (!this.ioError) this.corruptionMessage ??= error.message;
        input.destroy();
        signal();
      });
    }
    output.on('readable', signal);
    output.on('end', () => {
      this.streamEnded = true;
      signal();
    });
  }

  /**
   * Opens `file` positioned at `offset` bytes of its (decompressed) content. `end` (exclusive,
   * uncompressed files only) stops the bytes there: a byte-range split reads its range and
   * no further.
   */
  static open(store: FileStore, file: FileLocation, compression: FileCompression, offset: number, end: number | undefined, context: ByteSourceContext): ByteSource {
    if (compression === 'none') {
      const input = store.openRange(file, offset, end);
      return new ByteSource(input, input, offset, 0, context);
    }
    // gzip cannot seek: decompress from the start and drop the first `offset` bytes.
    const input = store.openRange(file, 0);
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
    input.pipe(gunzip);
    return new ByteSource(gunzip, input, offset, offset, context);
  }

  /** Absolute offset of the next byte `read()` returns. */
  get offset(): number {
    return this.nextOffset;
  }

  /** The decompressor's message once the rest of the input is known to be unreadable. */
  get corruption(): string | undefined {
    return this.corruptionMessage;
  }

  /** True when no byte will come any more (end of file, or corrupt input after its readable part). */
  get ended(): boolean {
    return this.streamEnded || (this.corruptionMessage !== undefined && this.output.readableLength === 0);
  }

  /** The next chunk if one is buffered; null when the caller must check `ended` or await `ready()`. */
  read(): Buffer | null {
    if (this.ioError) return null;
    for (;;) {
      let chunk = this.output.read() as Buffer | null;
      if (chunk === null) return null;
      if (this.discard > 0) {
        const dropped = Math.min(this.discard, chunk.length);
        this.discard -= dropped;
        this.nextOffset += dropped;
        if (dropped === chunk.length) continue;
        chunk = chunk.subarray(dropped);
      }
      this.nextOffset += chunk.length;
      return chunk;
    }
  }

  /** Resolves when `read()` may return data or `ended` may have changed. */
  async ready(): Promise<void> {
    this.throwIfFailed();
    if (this.ended || this.output.readableLength > 0) return;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    this.throwIfFailed();
  }

  async close(): Promise<void> {
    this.wake = undefined;
    this.output.destroy();
    this.input.destroy();
  }

  private throwIfFailed(): void {
    if (!this.ioError) return;
    // The store's own errors already say what happened and what comes next (replaced object, retry).
    if (this.ioError instanceof AdfError) {
      this.ioError.context.splitId ??= this.context.splitId;
      throw this.ioError;
    }
    const code = (this.ioError as NodeJS.ErrnoException).code;
    throw new SplitFailedError(`cannot read ${this.context.file}: ${this.ioError.message}`, {
      cause: this.ioError,
      context: { splitId: this.context.splitId, file: this.context.file, offset: this.offset, code },
    });
  }
}
