const LF = 0x0a;
const CR = 0x0d;
/** Lead byte that never occurs in UTF-8: marks an odd last byte of a UTF-16 file (`FF b`). */
const ODD_BYTE = 0xff;

/**
 * Turns Latin-1 or UTF-16 (LE/BE) bytes into UTF-8 for the parsers, which cut records on
 * ASCII bytes, and remembers where each line break came from so a record's offsets can be
 * given in bytes of the raw file (record ids stay `<file>@<raw byte offset>`).
 *
 * Lossless on purpose, so a record that is not valid text can be dead-lettered with its exact
 * raw bytes (`rawBytes`): a lone UTF-16 surrogate becomes its 3-byte generalised UTF-8 form
 * (WTF-8), which is *invalid* UTF-8, so the cursors' UTF-8 check catches it exactly as it
 * catches a bad byte of a UTF-8 file; an odd last byte becomes `FF b`. Why not TextDecoder:
 * it replaces bad input with U+FFFD and cannot say where its output came from.
 *
 * Break points: after every LF and CR, and at the end of every chunk, `mark` is called with
 * (UTF-8 offset, raw offset) relative to the first byte pushed.
 *
 * @example
 * const t = new TextTranscoder('utf-16le', (utf8, raw) => marks.push([utf8, raw]));
 * t.push(Buffer.from('a\n', 'utf16le')); // <61 0a>, marks [2, 4]
 */
export class TextTranscoder {
  private utf8Offset = 0;
  private rawOffset = 0;
  /** An odd byte left from the previous chunk (UTF-16). */
  private carry = -1;
  /** A high surrogate waiting for the next unit. */
  private high = -1;

  constructor(
    readonly encoding: 'latin1' | 'utf-16le' | 'utf-16be',
    private readonly mark: (utf8Offset: number, rawOffset: number) => void,
  ) {}

  push(chunk: Buffer): Buffer {
    return this.encoding === 'latin1' ? this.latin1(chunk) : this.utf16(chunk);
  }

  /** The end of the input: a pending surrogate or odd byte, as invalid UTF-8. */
  flush(): Buffer {
    const out = Buffer.alloc(5);
    let o = 0;
    if (this.high >= 0) {
      o = writeUnit(out, o, this.high);
      this.high = -1;
      this.rawOffset += 2;
    }
    if (this.carry >= 0) {
      out[o++] = ODD_BYTE;
      out[o++] = this.carry;
      this.carry = -1;
      this.rawOffset += 1;
    }
    this.utf8Offset += o;
    if (o > 0) this.mark(this.utf8Offset, this.rawOffset);
    return out.subarray(0, o);
  }

  /** The raw bytes that UTF-8 output `utf8` (a whole number of characters) was made from. */
  rawBytes(utf8: Buffer): Buffer {
    if (this.encoding === 'latin1') return Buffer.from(utf8.toString('utf8'), 'latin1');
    const out = Buffer.alloc(utf8.length * 2);
    const bigEndian = this.encoding === 'utf-16be';
    let o = 0;
    const unit = (u: number): void => {
      if (bigEndian) out.writeUInt16BE(u, o);
      else out.writeUInt16LE(u, o);
      o += 2;
    };
    for (let i = 0; i < utf8.length; ) {
      const b = utf8[i]!;
      if (b < 0x80) {
        unit(b);
        i += 1;
      } else if (b === ODD_BYTE) {
        out[o++] = utf8[i + 1]!;
        i += 2;
      } else if (b < 0xe0) {
        unit(((b & 0x1f) << 6) | (utf8[i + 1]! & 0x3f));
        i += 2;
      } else if (b < 0xf0) {
        unit(((b & 0x0f) << 12) | ((utf8[i + 1]! & 0x3f) << 6) | (utf8[i + 2]! & 0x3f));
        i += 3;
      } else {
        const cp = (((b & 0x07) << 18) | ((utf8[i + 1]! & 0x3f) << 12) | ((utf8[i + 2]! & 0x3f) << 6) | (utf8[i + 3]! & 0x3f)) - 0x10000;
        unit(0xd800 + (cp >> 10));
        unit(0xdc00 + (cp & 0x3ff));
        i += 4;
      }
    }
    return out.subarray(0, o);
  }

  private latin1(chunk: Buffer): Buffer {
    const out = Buffer.allocUnsafe(chunk.length * 2);
    let o = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b < 0x80) {
        out[o++] = b;
        if (b === LF || b === CR) this.mark(this.utf8Offset + o, this.rawOffset + i + 1);
      } else {
        out[o++] = 0xc0 | (b >> 6);
        out[o++] = 0x80 | (b & 0x3f);
      }
    }
    this.utf8Offset += o;
    this.rawOffset += chunk.length;
    this.mark(this.utf8Offset, this.rawOffset);
    return out.subarray(0, o);
  }

  private utf16(chunk: Buffer): Buffer {
    const out = Buffer.allocUnsafe(Math.ceil((chunk.length + 1) / 2) * 3 + 8);
    const bigEndian = this.encoding === 'utf-16be';
    let o = 0;
    let i = 0;
    const readUnit = (): number => {
      let first: number;
      if (this.carry >= 0) {
        first = this.carry;
        this.carry = -1;
      } else {
        first = chunk[i++]!;
      }
      const second = chunk[i++]!;
      return bigEndian ? (first << 8) | second : (second << 8) | first;
    };
    for (;;) {
      const available = chunk.length - i + (this.carry >= 0 ? 1 : 0);
      if (available < 2) break;
      const u = readUnit();
      const unitEnd = i;
      if (this.high >= 0) {
        if (u >= 0xdc00 && u <= 0xdfff) {
          const cp = 0x10000 + ((this.high - 0xd800) << 10) + (u - 0xdc00);
          this.high = -1;
          out[o++] = 0xf0 | (cp >> 18);
          out[o++] = 0x80 | ((cp >> 12) & 0x3f);
          out[o++] = 0x80 | ((cp >> 6) & 0x3f);
          out[o++] = 0x80 | (cp & 0x3f);
          continue;
        }
        o = writeUnit(out, o, this.high); // a lone high surrogate: invalid UTF-8 on purpose
        this.high = -1;
      }
      if (u >= 0xd800 && u <= 0xdbff) {
        this.high = u;
        continue;
      }
      o = writeUnit(out, o, u);
      if (u === LF || u === CR) this.mark(this.utf8Offset + o, this.rawOffset + unitEnd);
    }
    if (i < chunk.length) this.carry = chunk[i]!;
    // The chunk's end as far as output goes: a pending surrogate or odd byte belongs to the next mark.
    const consumed = chunk.length - (this.carry >= 0 ? 1 : 0) - (this.high >= 0 ? 2 : 0);
    this.utf8Offset += o;
    this.rawOffset += chunk.length;
    this.mark(this.utf8Offset, this.rawOffset - (chunk.length - consumed));
    return out.subarray(0, o);
  }
}

/** One UTF-16 code unit (surrogates included, WTF-8 style) as UTF-8. */
function writeUnit(out: Buffer, o: number, u: number): number {
  if (u < 0x80) {
    out[o++] = u;
  } else if (u < 0x800) {
    out[o++] = 0xc0 | (u >> 6);
    out[o++] = 0x80 | (u & 0x3f);
  } else {
    out[o++] = 0xe0 | (u >> 12);
    out[o++] = 0x80 | ((u >> 6) & 0x3f);
    out[o++] = 0x80 | (u & 0x3f);
  }
  return o;
}
