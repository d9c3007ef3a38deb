import { Transform, type TransformCallback } from 'node:stream';
import { crc32, createInflateRaw, type InflateRaw } from 'node:zlib';

/** The first two bytes of every gzip member (RFC 1952). */
export const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

const DEFLATE = 8;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED_FLAGS = 0xe0;
const TRAILER_BYTES = 8;

/** True when `head` starts with the gzip magic bytes. */
export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/**
 * Gunzip that hands out every byte of every member that decompresses, then fails with a
 * clear message on whatever follows (trailing garbage, a corrupt or truncated member).
 *
 * Why not `zlib.createGunzip()`: when a member ends and non-gzip bytes follow in the same
 * input chunk, Node's gunzip goes on into the garbage within one native call and, on the
 * error, drops that call's output — up to a whole output chunk of good records at the end
 * of the member. Here zlib only inflates member bodies (raw deflate, which stops cleanly at
 * the end of the deflate stream and reports how much input it consumed); this class parses
 * the RFC 1952 header and trailer around them and checks the CRC-32 and length. Zero bytes
 * after the last member are padding and ignored, as gzip(1) and Node do.
 *
 * @example
 * createReadStream('orders.csv.gz').pipe(new GzipMemberDecoder('orders.csv.gz', 16 * 1024)).on('data', use);
 */
export class GzipMemberDecoder extends Transform {
  private state: 'header' | 'body' | 'trailer' | 'padding' = 'header';
  private pending: Buffer = Buffer.alloc(0);
  private members = 0;
  /** Compressed bytes before `pending` (for messages). */
  private consumed = 0;
  private inflate: InflateRaw | undefined;
  private inflateEnded: Promise<void> | undefined;
  private crc = 0;
  private length = 0;

  constructor(
    /** The file, for the message when it is not gzip at all. */
    private readonly file: string,
    private readonly chunkSize: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.feed(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.finish().then(() => callback(), callback);
  }

  /** Backpressure: the inflater pauses while this stream's buffer is full, and resumes when it is read. */
  override _read(size: number): void {
    this.inflate?.resume();
    super._read(size);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inflate?.destroy();
    callback(error);
  }

  private async feed(chunk: Buffer): Promise<void> {
    let input = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (input.length > 0) {
      if (this.state === 'header') {
        if (this.members > 0 && input[0] === 0) {
          this.state = 'padding';
          continue;
        }
        const size = this.headerSize(input);
        if (size === undefined) break;
        this.consumed += size;
        input = input.subarray(size);
        this.startBody();
      } else if (this.state === 'body') {
        const rest = await this.inflateBody(input);
        if (rest === undefined) return;
        input = rest;
      } else if (this.state === 'trailer') {
        if (input.length < TRAILER_BYTES) break;
        this.checkTrailer(input);
        this.consumed += TRAILER_BYTES;
        input = input.subarray(TRAILER_BYTES);
        this.members++;
        this.state = 'header';
      } else {
        if (input.some((byte) => byte !== 0)) throw this.trailingGarbage();
        this.consumed += input.length;
        return;
      }
    }
    this.pending = Buffer.from(input);
  }

  private async finish(): Promise<void> {
    if (this.state === 'body') {
      // The input ended inside a deflate stream: zlib reports it ("unexpected end of file").
      this.inflate!.end();
      await this.inflateEnded;
      this.inflate = undefined;
    }
    if (this.state === 'padding' || (this.state === 'header' && this.members > 0 && this.pending.length === 0)) return;
    // No member at all, or one cut short in its header or trailer.
    throw new Error('unexpected end of file');
  }

  /** Length of the member header at the start of `input`; undefined while incomplete. Throws when it is no gzip header. */
  private headerSize(input: Buffer): number | undefined {
    if (input[0] !== GZIP_MAGIC[0] || (input.length >= 2 && input[1] !== GZIP_MAGIC[1])) throw this.notGzip();
    if (input.length < 10) return undefined;
    if (input[2] !== DEFLATE) throw new Error(`unknown compression method ${input[2]} in the gzip member at compressed byte ${this.consumed}`);
    const flags = input[3]!;
    if (flags & RESERVED_FLAGS) throw new Error(`reserved gzip header flags set at compressed byte ${this.consumed}`);
    let at = 10;
    if (flags & FEXTRA) {
      if (input.length < at + 2) return undefined;
      at += 2 + input.readUInt16LE(at);
    }
    for (const flag of [FNAME, FCOMMENT]) {
      if (!(flags & flag)) continue;
      const zero = input.indexOf(0, at);
      if (zero === -1) return undefined;
      at = zero + 1;
    }
    if (flags & FHCRC) at += 2;
    return input.length >= at ? at : undefined;
  }

  private startBody(): void {
    const inflate = createInflateRaw({ chunkSize: this.chunkSize });
    this.crc = 0;
    this.length = 0;
    inflate.on('data', (data: Buffer) => {
      this.crc = crc32(data, this.crc);
      this.length += data.length;
      if (!this.push(data)) inflate.pause();
    });
    this.inflateEnded = new Promise((resolve, reject) => {
      inflate.once('end', () => {
        this.state = 'trailer';
        resolve();
      });
      inflate.on('error', reject);
    });
    this.inflateEnded.catch(() => undefined); // observed by whoever awaits it
    this.inflate = inflate;
    this.state = 'body';
  }

  /** Feeds `input` to the member's inflater; returns what follows the deflate stream, or undefined when it took everything. */
  private async inflateBody(input: Buffer): Promise<Buffer | undefined> {
    const inflate = this.inflate!;
    const before = inflate.bytesWritten;
    await new Promise<void>((resolve, reject) => {
      inflate.write(input, (error) => (error ? reject(error) : resolve()));
      // An error is emitted instead of calling back: the ended promise rejects with it.
      this.inflateEnded!.catch(reject);
    });
    const taken = inflate.bytesWritten - before;
    this.consumed += taken;
    if (taken === input.length) return undefined;
    // The deflate stream ended inside `input`: wait until all of its output is handed on.
    await this.inflateEnded;
    this.inflate = undefined;
    return input.subarray(taken);
  }

  private checkTrailer(input: Buffer): void {
    if (input.readUInt32LE(0) !== this.crc >>> 0) throw new Error('incorrect data check');
    if (input.readUInt32LE(4) !== this.length % 2 ** 32) throw new Error('incorrect length check');
  }

  private notGzip(): Error {
    return this.members === 0 ? new Error(`${this.file} is not gzip data (it does not start with the gzip magic bytes 1f 8b)`) : this.trailingGarbage();
  }

  private trailingGarbage(): Error {
    return new Error(`the data after the last gzip member (from compressed byte ${this.consumed}) is not gzip`);
  }
}
