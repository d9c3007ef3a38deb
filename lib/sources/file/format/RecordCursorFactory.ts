import { TO_END_OF_FILE, type FileSplit } from '../FileSplit';
import { isTabSeparated } from '../FileTypeInference';
import { ByteSource } from './ByteSource';
import { CsvRecordCursor } from './CsvRecordCursor';
import { JsonLinesRecordCursor } from './JsonLinesRecordCursor';
import type { RecordCursor } from './RecordCursor';
import type { FileStore } from '../store/FileStore';

/** How to read the formats, as configured on the source (validated there). */
export interface FormatOptions {
  readonly csv: {
    /** Undefined: ',' , or a tab for `.tsv` files. */
    readonly delimiter?: string;
    readonly quote: string;
    /** Undefined: the quote character (a doubled quote is a literal quote). */
    readonly escape?: string;
    readonly header: boolean;
    readonly columns?: readonly string[];
  };
  /** Longest record or line; bounds the memory one malformed record can take. */
  readonly maxRecordBytes: number;
}

/**
 * Opens the cursor for a split's format at the split's position, reading through `store`
 * up to the split's end, pinned to the split's ETag. Opening is lazy: a file that is missing
 * shows up as a SplitFailedError from the cursor's first `ready()`.
 *
 * @example
 * const cursor = openRecordCursor(split, formatOptions, new LocalFileStore({ root: '/data', recursive: true, pageSize: 1000 }));
 */
export function openRecordCursor(split: FileSplit, options: FormatOptions, store: FileStore): RecordCursor {
  const { position } = split;
  const file = { path: split.path, etag: split.etag, size: split.size };
  const end = split.end === TO_END_OF_FILE ? undefined : split.end;
  const bytes = ByteSource.open(store, file, split.compression, position.offset, end, { splitId: split.splitId, file: split.path });
  if (split.format === 'jsonl') return new JsonLinesRecordCursor(bytes, position, options);
  const { csv } = options;
  return new CsvRecordCursor(bytes, position, {
    delimiter: csv.delimiter ?? (isTabSeparated(split.fileId) ? '\t' : ','),
    quote: csv.quote,
    escape: csv.escape ?? csv.quote,
    header: csv.header,
    columns: csv.columns,
    maxRecordSize: options.maxRecordBytes,
  });
}
