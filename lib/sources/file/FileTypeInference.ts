import type { FileCompression, FileFormat } from './FileSplit';

export interface FileType {
  readonly format: FileFormat;
  readonly compression: FileCompression;
}

const FORMAT_BY_EXTENSION: Readonly<Record<string, FileFormat>> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json-lines': 'jsonl',
};

/**
 * The format and compression a file name implies (`orders.csv.gz` → csv + gzip), or
 * undefined for an unknown extension. With `forcedFormat` every file is read in that format
 * and only the compression still comes from the name.
 *
 * @example
 * inferFileType('2024/orders.ndjson.gz'); // { format: 'jsonl', compression: 'gzip' }
 */
export function inferFileType(name: string, forcedFormat?: FileFormat): FileType | undefined {
  const lower = name.toLowerCase();
  const compression: FileCompression = lower.endsWith('.gz') ? 'gzip' : 'none';
  if (forcedFormat) return { format: forcedFormat, compression };
  const format = FORMAT_BY_EXTENSION[extensionOf(compression === 'gzip' ? lower.slice(0, -3) : lower)];
  return format ? { format, compression } : undefined;
}

/** True for `.tsv` / `.tsv.gz`: such files default to a tab delimiter. */
export function isTabSeparated(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith('.tsv') || lower.endsWith('.tsv.gz');
}

function extensionOf(name: string): string {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  return dot > slash ? name.slice(dot) : '';
}
