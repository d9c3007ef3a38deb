import type { ByteSource } from './ByteSource';
import { BOM_SNIFF_BYTES, encodingOfBom, utf16Suspicion, type TextEncoding } from './TextEncoding';
import { TextTranscoder } from './TextTranscoder';

/**
 * A file's bytes as UTF-8 for the record cursors, whatever the file's encoding:
 *
 * - The encoding is the one a byte order mark at the file's start declares, else the
 *   configured one. A split that starts mid-file gets the file's first bytes from `head`.
 * - UTF-8 passes through unchanged (offsets are raw offsets); Latin-1 and UTF-16 go through
 *   a TextTranscoder, and `toRawOffset` turns an offset in the UTF-8 output (always a record
 *   boundary: the start, after a line break, or the end) back into a raw byte offset.
 * - 8-bit input that looks like UTF-16 without a BOM is refused (`corruption` says why):
 *   read as UTF-8 it would become records full of NULs that look good.
 *
 * Output offsets start at the split's raw start offset, so for UTF-8 they are raw offsets.
 *
 * @example
 * const bytes = new DecodedByteSource(ByteSource.open(...), 0, 'utf-8', undefined);
 * bytes.toRawOffset(entry.end);
 */
export class DecodedByteSource {
  private resolved: TextEncoding | undefined;
  private transcoder: TextTranscoder | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private nextOffset: number;
  private refusal: string | undefined;
  private refusedSample: Buffer | undefined;
  private flushed = false;
  /** The first chunk is still to be checked for UTF-16 without a BOM. */
  private checkFirstChunk = false;
  private headPromise: Promise<void> | undefined;
  private head: Buffer | undefined;
  /** Break points of the transcoded output: parallel arrays from `markHead` on. */
  private readonly marksOut: number[] = [];
  private readonly marksRaw: number[] = [];
  private markHead = 0;

  constructor(
    private readonly bytes: ByteSource,
    private readonly start: number,
    private readonly configured: TextEncoding,
    /** The file's first bytes, for a split that starts after them (its BOM decides the encoding). */
    private readonly readHead: (() => Promise<Buffer>) | undefined,
  ) {
    this.nextOffset = start;
  }

  /** The file's encoding once known. */
  get encoding(): TextEncoding | undefined {
    return this.resolved;
  }

  /** True when output offsets differ from raw ones (Latin-1, UTF-16). */
  get transcoding(): boolean {
    return this.transcoder !== undefined;
  }

  /** True when the output may hold invalid UTF-8 that stands for undecodable input (not Latin-1). */
  get mayBeInvalid(): boolean {
    return this.resolved !== 'latin1';
  }

  /** See ByteSource.bytesStillToSkip. */
  get bytesStillToSkip(): number {
    return this.bytes.bytesStillToSkip;
  }

  /** Offset (in output bytes) of the next byte `read()` returns. */
  get offset(): number {
    return this.nextOffset;
  }

  get corruption(): string | undefined {
    return this.refusal ?? this.bytes.corruption;
  }

  /** The first bytes of a refused input, for the dead letter. */
  get refused(): Buffer | undefined {
    return this.refusedSample;
  }

  get ended(): boolean {
    if (this.refusal !== undefined) return true;
    return this.bytes.ended && this.pendingBytes === 0 && (this.transcoder === undefined || this.flushed) && this.resolved !== undefined;
  }

  read(): Buffer | null {
    if (this.refusal !== undefined) return null;
    if (this.resolved === undefined && !this.resolve()) return null;
    let chunk: Buffer | null;
    if (this.pending.length > 0) {
      chunk = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
    } else {
      chunk = this.bytes.read();
    }
    if (chunk !== null && this.checkFirstChunk) {
      this.checkFirstChunk = false;
      if (!this.looksLike8Bit(chunk)) return null;
    }
    if (chunk === null) {
      if (!this.bytes.ended || !this.transcoder || this.flushed) return null;
      this.flushed = true;
      chunk = this.transcoder.flush();
      if (chunk.length === 0) return null;
    } else if (this.transcoder) {
      chunk = this.transcoder.push(chunk);
    }
    this.nextOffset += chunk.length;
    return chunk;
  }

  async ready(): Promise<void> {
    if (this.resolved === undefined && this.readHead && this.head === undefined) {
      this.headPromise ??= this.readHead().then((head) => {
        this.head = head;
      });
      await this.headPromise;
      return;
    }
    await this.bytes.ready();
  }

  close(): Promise<void> {
    return this.bytes.close();
  }

  /** The raw byte offset of output offset `offset`, a record boundary; asked in non-decreasing order. */
  toRawOffset(offset: number): number {
    if (!this.transcoder) return offset;
    const out = this.marksOut;
    while (this.markHead < out.length && out[this.markHead]! < offset) this.markHead++;
    if (this.markHead > 4096) {
      out.splice(0, this.markHead);
      this.marksRaw.splice(0, this.markHead);
      this.markHead = 0;
    }
    if (out[this.markHead] !== offset) throw new Error(`no raw offset known for decoded offset ${offset} (a record boundary must follow a line break)`);
    return this.marksRaw[this.markHead]!;
  }

  /** The raw bytes that output bytes `decoded` (whole characters) came from. */
  rawBytes(decoded: Buffer): Buffer {
    return this.transcoder ? this.transcoder.rawBytes(decoded) : decoded;
  }

  /**
   * Settles the encoding from the file's first bytes (the head, or the first chunks of a
   * split starting at 0) and checks the first chunk for UTF-16 without a BOM. False while
   * more bytes are needed.
   */
  private resolve(): boolean {
    let head = this.head;
    if (this.start > 0) {
      if (this.readHead && head === undefined) return false;
    } else {
      for (let chunk = this.bytes.read(); chunk !== null; chunk = this.pendingBytes >= BOM_SNIFF_BYTES ? null : this.bytes.read()) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.length;
      }
      if (this.pendingBytes < BOM_SNIFF_BYTES && !this.bytes.ended) return false;
      head = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
      this.pending = this.pendingBytes > 0 ? [head] : [];
    }
    const bom = head ? encodingOfBom(head) : undefined;
    const encoding = bom?.encoding ?? this.configured;
    this.resolved = encoding;
    if (encoding !== 'utf-8') {
      this.transcoder = new TextTranscoder(encoding, (out, raw) => {
        this.marksOut.push(this.start + out);
        this.marksRaw.push(this.start + raw);
      });
      this.marksOut.push(this.start);
      this.marksRaw.push(this.start);
    }
    this.checkFirstChunk = !bom && (encoding === 'utf-8' || encoding === 'latin1');
    return true;
  }

  /** False (and refused) when 8-bit input's first chunk looks like UTF-16. */
  private looksLike8Bit(chunk: Buffer): boolean {
    const sample = chunk.subarray(0, 4096);
    const why = utf16Suspicion(sample, this.start);
    if (why === undefined) return true;
    this.refusal = why;
    this.refusedSample = Buffer.from(sample.subarray(0, 1024));
    return false;
  }
}
