import type { Readable } from 'node:stream';
import { AdfError, SplitFailedError } from '../../../errors/AdfError';
import type { FileCompression } from '../FileSplit';
import type { FileLocation, FileStore } from '../store/FileStore';
import { GzipMemberDecoder, isGzip } from './GzipMemberDecoder';

/**
 * Output size of one inflate step. When zlib fails inside a damaged deflate stream, it drops
 * the output of the failing step, so up to this many bytes just before the damage end up in
 * the dead-lettered rest (which starts at the last record handed out: nothing is lost
 * silently). 16 KB keeps that window small at a cost that is noise next to parsing. A member
 * followed by trailing garbage loses nothing (see GzipMemberDecoder).
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
  private output: Readable | undefined;
  private input: Readable | undefined;
  private nextOffset: number;
  private corruptionMessage: string | undefined;
  private ioError: Error | undefined;
  private streamEnded = false;
  private discard = 0;
  private wake: (() => void) | undefined;
  /** Set while the first bytes are read to tell gzip from plain data. */
  private opening: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly offset0: number,
    private readonly context: ByteSourceContext,
  ) {
    this.nextOffset = offset0;
  }

  /**
   * Opens `file` positioned at `offset` bytes of its (decompressed) content. `end` (exclusive,
   * uncompressed files only) stops the bytes there: a byte-range split reads its range and
   * no further.
   *
   * `sniff` (a whole file whose name says it is not compressed): the first bytes decide,
   * so a gzip file named `.csv` is decompressed rather than read as one garbage record. A
   * resumed read (`offset` > 0) reads the two first bytes apart first, because its offset
   * counts decompressed bytes when the file is gzip. A file named `.gz` is always decoded as
   * gzip, and one that is not gzip is dead-lettered with a message naming it.
   */
  static open(store: FileStore, file: FileLocation, compression: FileCompression, offset: number, end: number | undefined, context: ByteSourceContext, sniff = false): ByteSource {
    const source = new ByteSource(offset, context);
    if (compression === 'gzip') {
      source.attachGzip(store.openRange(file, 0));
    } else if (!sniff) {
      const input = store.openRange(file, offset, end);
      source.attach(input, input, 0);
    } else {
      source.opening = source.openSniffing(store, file, end);
    }
    return source;
  }

  private async openSniffing(store: FileStore, file: FileLocation, end: number | undefined): Promise<void> {
    try {
      // From the start, the stream's own first bytes tell; a resumed read asks for them apart.
      const fromStart = this.offset0 === 0 ? store.openRange(file, 0, end) : undefined;
      const head = await peek(fromStart ?? store.openRange(file, 0, 2), 2, fromStart !== undefined);
      if (this.closed) return fromStart?.destroy() as undefined;
      if (isGzip(head)) {
        this.attachGzip(fromStart ?? store.openRange(file, 0));
      } else {
        const input = fromStart ?? store.openRange(file, this.offset0, end);
        this.attach(input, input, 0);
      }
    } catch (error) {
      this.ioError ??= error as Error;
    } finally {
      this.opening = undefined;
    }
  }

  /** gzip cannot seek: decompress from the start and drop the first `offset` bytes. */
  private attachGzip(input: Readable): void {
    const gunzip = new GzipMemberDecoder(this.context.file, GUNZIP_CHUNK_BYTES);
    input.pipe(gunzip);
    this.attach(gunzip, input, this.offset0);
  }

  private attach(output: Readable, input: Readable, discard: number): void {
    this.output = output;
    this.input = input;
    this.discard = discard;
    this.nextOffset = this.offset0 - discard;
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
    if (output.readableEnded) this.streamEnded = true;
  }

  /** Absolute offset of the next byte `read()` returns. */
  get offset(): number {
    return this.nextOffset;
  }

  /**
   * Decompressed bytes still to be dropped before the resume offset: gzip cannot seek, so a
   * split resumed mid-file decompresses from the start (0 once there, and always for plain data).
   */
  get bytesStillToSkip(): number {
    return this.discard;
  }

  /** The decompressor's message once the rest of the input is known to be unreadable. */
  get corruption(): string | undefined {
    return this.corruptionMessage;
  }

  /** True when no byte will come any more (end of file, or corrupt input after its readable part). */
  get ended(): boolean {
    return this.streamEnded || (this.corruptionMessage !== undefined && (this.output?.readableLength ?? 0) === 0);
  }

  /** The next chunk if one is buffered; null when the caller must check `ended` or await `ready()`. */
  read(): Buffer | null {
    if (this.ioError || !this.output) return null;
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
    if (this.opening) await this.opening;
    this.throwIfFailed();
    if (!this.output || this.ended || this.output.readableLength > 0) return;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    this.throwIfFailed();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake = undefined;
    this.output?.destroy();
    this.input?.destroy();
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

/**
 * The first `size` bytes of `stream` (fewer when it is shorter). `keep`: they are put back,
 * so the stream is then read from its start; otherwise the stream is closed.
 */
function peek(stream: Readable, size: number, keep: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (head: Buffer): void => {
      stream.off('readable', onReadable).off('end', onEnd).off('error', reject);
      if (keep && head.length > 0) stream.unshift(head);
      if (!keep) stream.destroy();
      resolve(head);
    };
    const onReadable = (): void => {
      const head = stream.read(size) as Buffer | null;
      if (head) done(head);
    };
    const onEnd = (): void => done(Buffer.alloc(0));
    stream.on('readable', onReadable).on('end', onEnd).on('error', reject);
  });
}
