const LF = 0x0a;
const CR = 0x0d;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** A record boundary where a byte range starts: its offset and the 1-based line there. */
export interface CutPoint {
  readonly offset: number;
  readonly line: number;
}

/** The single-byte CSV characters the scan needs, and the record size the reader allows. */
export interface CutScanDialect {
  readonly quote: number;
  readonly delimiter: number;
  /** The reader's maxRecordSize: a longer record makes csv-parse fail, so the scan stops trusting parity. */
  readonly maxRecordBytes: number;
}

/**
 * Finds where to cut a CSV file into byte ranges, in one streaming pass: at each nominal cut
 * (every `splitSize` bytes) the first line feed *outside quotes* at or after it; the range
 * starts on the byte after it. It also counts line breaks, so each range knows its first line.
 *
 * Why a byte scan with `Buffer.indexOf` and not the CSV parser: the only state a cut needs is
 * whether it lies inside a quoted field, and with RFC 4180 quoting that is the parity of the
 * quote characters before it — a doubled quote inside a field ("") flips it twice and keeps
 * it. `indexOf` jumps from quote to quote and line feed to line feed in native code, several
 * times faster than parsing fields, so scanning a large file at discovery costs a fraction
 * of reading it.
 *
 * Parity equals the reader's view only while the file is well-formed: a stray quote inside an
 * unquoted field, a closing quote followed by other text, or a record longer than the
 * reader's maximum makes the reader fail a record and resynchronise at a line end, and from
 * there parity and parser may disagree for the rest of the file (a cut could land inside a
 * quoted field: good rows lost, bogus dead letters). So the scan checks every quote as the
 * parser would — an opening quote must start a field, a closing quote must be followed by the
 * delimiter, a line break, another quote (a doubled quote) or the end of the file — and every
 * record's length; at the first doubt it stops cutting (`anomaly`). The cuts before it are
 * record boundaries the reader of the whole file also reaches, and the rest of the file is
 * one range: whatever the split size, the ranges yield exactly what the whole file does.
 * Assumes the escape character is the quote and single-byte quote and delimiter (the planner
 * does not cut other dialects), and cuts only after line feeds (a file with lone-CR line ends
 * simply gets no cuts).
 *
 * @example
 * const scanner = new CsvCutScanner(64 << 20, { quote: 0x22, delimiter: 0x2c, maxRecordBytes: 1 << 24 });
 * for await (const chunk of stream) { scanner.write(chunk); if (scanner.anomaly) break; }
 * scanner.cuts(); // [{ offset: 67108901, line: 731022 }, ...]
 */
export class CsvCutScanner {
  /** Why cutting stopped, and where: the first place parity and parser might disagree. */
  anomaly: { readonly offset: number; readonly reason: string } | undefined;
  private offset = 0;
  private inQuotes = false;
  private lineBreaks = 0;
  private pendingCR = false;
  /** A closing quote ended the previous chunk: the next byte decides whether it is valid. */
  private pendingClose = false;
  private previousByte = -1;
  private recordStart = 0;
  private readonly head: number[] = [];
  private nextCut: number;
  private readonly found: CutPoint[] = [];
  private readonly dialect: CutScanDialect;

  constructor(
    private readonly splitSize: number,
    dialect: CutScanDialect | number,
  ) {
    this.nextCut = splitSize;
    this.dialect = typeof dialect === 'number' ? { quote: dialect, delimiter: 0x2c, maxRecordBytes: Number.MAX_SAFE_INTEGER } : dialect;
  }

  write(chunk: Buffer): void {
    if (this.anomaly || chunk.length === 0) return;
    const base = this.offset;
    const { quote: q } = this.dialect;
    for (let i = 0; this.head.length < BOM.length && i < chunk.length; i++) this.head.push(chunk[i]!);
    // csv-parse switches to UTF-16 on a UTF-16 BOM, where a byte scan means nothing.
    if (this.head.length >= 2 && ((this.head[0] === 0xff && this.head[1] === 0xfe) || (this.head[0] === 0xfe && this.head[1] === 0xff))) return this.stop(0, 'UTF-16 text');
    if (this.pendingClose) {
      this.pendingClose = false;
      this.checkClosing(chunk[0]!, base);
    }
    if (this.pendingCR) {
      this.pendingCR = false;
      if (chunk[0] !== LF) this.lineBreaks++; // a lone CR ended the previous chunk
    }
    let quote = chunk.indexOf(q);
    let lf = chunk.indexOf(LF);
    let cr = chunk.indexOf(CR);
    // Quotes, line feeds and carriage returns in position order, each found by indexOf.
    while (!this.anomaly) {
      const at = first(quote, first(lf, cr));
      if (at === -1) break;
      if (at === quote) {
        if (this.inQuotes) {
          if (at + 1 < chunk.length) this.checkClosing(chunk[at + 1]!, base + at + 1);
          else this.pendingClose = true;
        } else {
          this.checkOpening(at > 0 ? chunk[at - 1]! : this.previousByte, base + at);
        }
        this.inQuotes = !this.inQuotes;
        quote = chunk.indexOf(q, at + 1);
      } else if (at === lf) {
        this.lineBreaks++;
        if (!this.inQuotes) this.recordEnd(base + at);
        lf = chunk.indexOf(LF, at + 1);
      } else {
        // Line numbers as csv-parse counts them, so a range reports the lines the whole file
        // does: inside quotes every CR is a line break (a CRLF there counts twice); outside,
        // a CR is one only when no LF follows it.
        if (this.inQuotes) this.lineBreaks++;
        else if (at + 1 === chunk.length) this.pendingCR = true;
        else if (chunk[at + 1] !== LF) this.lineBreaks++;
        cr = chunk.indexOf(CR, at + 1);
      }
    }
    this.previousByte = chunk[chunk.length - 1]!;
    this.offset += chunk.length;
  }

  /** Bytes scanned so far. */
  get scanned(): number {
    return this.offset;
  }

  /** The cuts found, in order, each strictly inside the bytes scanned. */
  cuts(): CutPoint[] {
    return this.found.filter((cut) => cut.offset < this.offset);
  }

  /** The line feed at `at`, outside quotes, ends a record. */
  private recordEnd(at: number): void {
    // csv-parse counts a record's characters, never more than its bytes: within this length it cannot fail on size.
    if (at + 1 - this.recordStart > this.dialect.maxRecordBytes) return this.stop(this.recordStart, 'a record longer than the maximum record size');
    this.recordStart = at + 1;
    if (at >= this.nextCut) this.cutAfter(at);
  }

  /** A quote at `at` outside quotes must start a field (or be the second of a doubled quote, `prev` a quote). */
  private checkOpening(prev: number, at: number): void {
    const { delimiter, quote } = this.dialect;
    const fieldStart = at === 0 || prev === delimiter || prev === LF || prev === CR || prev === quote || (at === BOM.length && BOM.equals(Buffer.from(this.head)));
    if (!fieldStart) this.stop(at, 'a quote inside an unquoted field');
  }

  /** A closing quote must be followed by the delimiter, a line break or another quote (a doubled quote); `at` is that byte. */
  private checkClosing(next: number, at: number): void {
    const { delimiter, quote } = this.dialect;
    if (next !== delimiter && next !== LF && next !== CR && next !== quote) this.stop(at - 1, 'a closing quote followed by other text');
  }

  private stop(offset: number, reason: string): void {
    this.anomaly = { offset, reason };
  }

  /** The line feed at `at` ends a record: every nominal cut up to it realigns to the byte after it. */
  private cutAfter(at: number): void {
    this.found.push({ offset: at + 1, line: this.lineBreaks + 1 });
    this.nextCut = (Math.floor(at / this.splitSize) + 1) * this.splitSize;
  }
}

/** The smaller of two indexOf results, -1 meaning "none". */
function first(a: number, b: number): number {
  if (a === -1) return b;
  return b === -1 || a < b ? a : b;
}
