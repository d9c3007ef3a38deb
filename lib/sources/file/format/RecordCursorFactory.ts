import { TO_END_OF_FILE, type FileSplit } from '../FileSplit';
import { ByteSource } from './ByteSource';
import { DecodedByteSource } from './DecodedByteSource';
import { readFileHead } from './FileHead';
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
  // A whole file is sniffed for gzip whatever its name; byte ranges exist only for files the planner found plain.
  const raw = ByteSource.open(store, file, split.compression, position.offset, end, { splitId: split.splitId, file: split.path }, split.fileSplits === 1);
  // A split that starts after the file's first bytes reads them apart: their BOM decides the encoding.
  const head = position.offset > 0 ? () => readFileHead(store, file, split.compression, { splitId: split.splitId, file: split.path }) : undefined;
  const bytes = new DecodedByteSource(raw, position.offset, options.encoding ?? 'utf-8', head);
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
