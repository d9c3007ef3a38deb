import type { FilePosition } from '../FileSplit';

/**
 * One entry a cursor yields: a record, or (with `reason` set) input that could not be read.
 * Offsets are bytes of the decompressed file; `offset` is the record's first byte and the
 * basis of its id, so ids do not depend on where a batch or a split range starts.
 */
export interface CursorEntry {
  readonly offset: number;
  /** 1-based line of the record's first byte. */
  readonly line: number;
  /** Byte offset just past the record (its line terminator included). */
  readonly end: number;
  /** Line on which the next record starts. */
  readonly nextLine: number;
  readonly value?: unknown;
  /** Set for unreadable input: why it could not be read. */
  readonly reason?: string;
  /** For unreadable input: what could be recovered (fields, or text cut to ~1 KB). */
  readonly raw?: unknown;
}

/**
 * Pulls the records of one file one at a time, from a position on a record boundary.
 * `next()` is synchronous so a reader can fill a batch in a tight loop; it returns undefined
 * when nothing is ready, and then the caller awaits `ready()` (or stops, when `done`).
 * A cursor holds an open file: `close()` it when the split is finished or handed back.
 *
 * @example
 * for (;;) {
 *   const entry = cursor.next();
 *   if (entry) { handle(entry); continue; }
 *   if (cursor.done) break;
 *   await cursor.ready();
 * }
 * await cursor.close();
 */
export interface RecordCursor {
  next(): CursorEntry | undefined;
  /** Resolves when `next()` may return more; rejects with SplitFailedError on an I/O error. */
  ready(): Promise<void>;
  /** True once every entry has been returned. */
  readonly done: boolean;
  /** Bytes a resumed gzip cursor still decompresses and drops before its first entry (0 for plain data). */
  readonly bytesStillToSkip?: number;
  /** The position after the last entry returned (the resume point). */
  position(): FilePosition;
  close(): Promise<void>;
}
