/**
 * The file source: local CSV and JSON Lines files, plain or gzip.
 *
 * @example
 * import { fileSource } from './sources/file';
 * const source = fileSource({ path: './data', include: ['*.csv', '*.jsonl.gz'] });
 */
export { FileSource, fileSource } from './FileSource';
export type { FileRecordValue } from './FileSource';
export { FILE_SOURCE_DEFAULTS, parseFileSourceOptions } from './FileSourceConfig';
export type { FileSourceOptions, FileSourceConfig } from './FileSourceConfig';
export { FileSplit, TO_END_OF_FILE, START_OF_FILE, FILE_FORMATS, FILE_COMPRESSIONS } from './FileSplit';
export type { FilePosition, FileSplitProps, FileFormat, FileCompression } from './FileSplit';
export { FileSplitSerializer } from './FileSplitSerializer';
export { FileDiscoverer } from './FileDiscoverer';
export type { FileDiscovererOptions, FileDiscoveryCursor, FileDiscoveryPage, SkippedFile } from './FileDiscoverer';
export { FileSplitEnumerator } from './FileSplitEnumerator';
export type { FileEnumeratorState } from './FileSplitEnumerator';
export { FileSourceReader } from './FileSourceReader';
export type { FileSourceReaderOptions } from './FileSourceReader';
export { inferFileType, isTabSeparated } from './FileTypeInference';
export type { FileType } from './FileTypeInference';
export { openRecordCursor } from './format/RecordCursorFactory';
export type { FormatOptions } from './format/RecordCursorFactory';
export type { RecordCursor, CursorEntry } from './format/RecordCursor';
