import { TO_END_OF_FILE, type FileSplit } from '../FileSplit';
import { ByteSource } from './ByteSource';
import { CsvRecordCursor } from './CsvRecordCursor';
import { JsonLinesRecordCursor } from './JsonLinesRecordCursor';
import type { RecordCursor } from './RecordCursor';
import type { FileStore } from '../store/FileStore';
import { csvDialect, type FormatOptions } from './FormatOptions';

export type { FormatOptions } from './FormatOptions';

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
    ...csvDialect(csv, split.fileId),
    header: csv.header,
    columns: csv.columns,
    duplicateHeaders: csv.duplicateHeaders,
    maxRecordSize: options.maxRecordBytes,
  });
}
