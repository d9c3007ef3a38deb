import { Boundedness } from '../../source-support/Boundedness';
import type { Source } from '../../source-support/Source';
import type { SourceReaderContext } from '../../source-support/SourceReader';
import type { SplitEnumeratorContext } from '../../source-support/SplitEnumerator';
import { FileDiscoverer, type FileDiscoveryCursor, type SkippedFile } from './FileDiscoverer';
import { parseFileSourceOptions, type FileSourceConfig, type FileSourceOptions } from './FileSourceConfig';
import { FileSourceReader } from './FileSourceReader';
import type { FileSplit } from './FileSplit';
import { FileSplitEnumerator, type FileEnumeratorState } from './FileSplitEnumerator';
import { FileSplitSerializer } from './FileSplitSerializer';

/**
 * Record values: for CSV an object keyed by column name (string values), or an array of
 * strings for a file without header or columns; for JSON Lines whatever each line holds.
 */
export type FileRecordValue = Record<string, string> | string[] | unknown;

/**
 * A bounded source over a local directory or file of CSV / JSON Lines, plain or gzip
 * (Flink's `FileSource`): one split per file, discovered page by page.
 * Options are validated here, once; a bad option throws ConfigError naming the field.
 *
 * @example
 * const source = new FileSource({ path: './data', include: '*.csv', csv: { delimiter: ';' } });
 * const reader = source.createReader({ readerId: 0, sendSplitRequest() {} });
 */
export class FileSource implements Source<FileRecordValue, FileSplit, FileEnumeratorState, FileDiscoveryCursor> {
  readonly type = 'file';
  readonly boundedness = Boundedness.BOUNDED;
  readonly splitSerializer = FileSplitSerializer;
  readonly config: FileSourceConfig;

  constructor(
    options: FileSourceOptions,
    /** Told about every file discovery skips (unknown extension, symlinked directory). */
    private readonly onSkip?: (file: SkippedFile) => void,
  ) {
    this.config = parseFileSourceOptions(options);
  }

  createEnumerator(ctx: SplitEnumeratorContext<FileSplit>, checkpoint?: FileEnumeratorState): FileSplitEnumerator {
    return new FileSplitEnumerator(ctx, this.createDiscoverer(), checkpoint);
  }

  createReader(ctx: SourceReaderContext): FileSourceReader {
    return new FileSourceReader(ctx, { formats: this.config.formats, limits: this.config.limits });
  }

  createDiscoverer(): FileDiscoverer {
    const { path, include, exclude, recursive, format, discoveryPageSize } = this.config;
    return new FileDiscoverer({ path, include, exclude, recursive, format, pageSize: discoveryPageSize, onSkip: this.onSkip });
  }
}

/**
 * The file source, as flows declare it.
 *
 * @example
 * export default defineFlow({ name: 'orders', source: fileSource({ path: './data/orders', format: 'csv' }), sink: jsonlSink({ dir: './out' }) });
 */
export function fileSource(options: FileSourceOptions): FileSource {
  return new FileSource(options);
}
