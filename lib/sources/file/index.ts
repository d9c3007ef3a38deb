/**
 * The file source: CSV and JSON Lines files, plain or gzip, in a local directory or under an
 * S3 prefix; large uncompressed files are read as byte-range splits.
 *
 * @example
 * import { fileSource } from './sources/file';
 * const source = fileSource({ path: 's3://in-bucket/orders/', include: ['*.csv', '*.jsonl.gz'], afterFinish: 'delete' });
 */
export { FileSource, fileSource } from './FileSource';
export type { FileRecordValue } from './FileSource';
export { FILE_SOURCE_DEFAULTS, parseFileSourceOptions } from './FileSourceConfig';
export type { FileSourceOptions, FileSourceConfig, AfterFinishAction } from './FileSourceConfig';
export { parseByteSize, parseAfterFinishFlag, parseSplitSizeFlag } from './FileSourceFlags';
export type { AfterFinish } from './FileSourceFlags';
export { FileSplit, TO_END_OF_FILE, START_OF_FILE, FILE_FORMATS, FILE_COMPRESSIONS, rangeSplitId } from './FileSplit';
export type { FilePosition, FileSplitProps, FileFormat, FileCompression } from './FileSplit';
export { FileSplitSerializer } from './FileSplitSerializer';
export { FileDiscoverer } from './FileDiscoverer';
export type { FileDiscovererOptions, FileDiscoveryCursor, FileDiscoveryPage, SkippedFile, PlannedFile } from './FileDiscoverer';
export { FileSplitPlanner } from './FileSplitPlanner';
export type { SplitPlanOptions } from './FileSplitPlanner';
export { FileSplitEnumerator } from './FileSplitEnumerator';
export type { FileEnumeratorState } from './FileSplitEnumerator';
export { FileSourceReader } from './FileSourceReader';
export type { FileSourceReaderOptions } from './FileSourceReader';
export { inferFileType, isTabSeparated } from './FileTypeInference';
export type { FileType } from './FileTypeInference';
export { openRecordCursor } from './format/RecordCursorFactory';
export type { FormatOptions } from './format/RecordCursorFactory';
export type { RecordCursor, CursorEntry } from './format/RecordCursor';
export { CsvCutScanner } from './format/CsvCutScanner';
export type { CutPoint } from './format/CsvCutScanner';
export { parseS3Notification, readS3Notification } from './s3Events';
export type { S3ObjectRef } from './s3Events';
export { LocalFileStore, compareSegments } from './store/LocalFileStore';
export type { LocalFileStoreOptions } from './store/LocalFileStore';
export { openFileStore } from './store/openFileStore';
export type { OpenFileStoreOptions } from './store/openFileStore';
export { isListable } from './store/FileStore';
export type { FileStore, FileRef, FileLocation } from './store/FileStore';
export type { S3FileStore, S3FileStoreOptions } from './store/S3FileStore';
