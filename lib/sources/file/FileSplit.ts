import { isAbsolute } from 'node:path';
import { ConfigError } from '../../errors/AdfError';
import type { SourceSplit } from '../../source-support/SourceSplit';

export type FileFormat = 'csv' | 'jsonl';
export type FileCompression = 'none' | 'gzip';

export const FILE_FORMATS: readonly FileFormat[] = ['csv', 'jsonl'];
export const FILE_COMPRESSIONS: readonly FileCompression[] = ['none', 'gzip'];

/** `end` of a split that runs to the end of its file (whole-file splits, all compressed files). */
export const TO_END_OF_FILE = -1;

/**
 * Progress inside one file. Offsets count bytes of the *decompressed* content, so a gzip
 * split resumes by decompressing from the start and discarding `offset` bytes.
 */
export interface FilePosition {
  /** Byte offset of the next unread record (always a record boundary). */
  readonly offset: number;
  /**
   * 1-based line number of that record, as csv-parse counts lines for CSV. A JSON Lines byte
   * range after the first counts from its own start (see `FileSplit.linesFromFileStart`).
   */
  readonly line: number;
  /** Good records read so far (bad records are not counted). */
  readonly records: number;
  /** CSV column names once the header is known, so a resumed reader skips no header row. */
  readonly header?: readonly string[];
}

export const START_OF_FILE: FilePosition = Object.freeze({ offset: 0, line: 1, records: 0 });

export interface FileSplitProps {
  /** The fileId for a file read as one split; `${fileId}#${index}` for each byte range of a larger one. */
  readonly splitId: string;
  /** Absolute local path, or `s3://bucket/key`. */
  readonly path: string;
  /** Path relative to the source root, posix separators; the prefix of every record id. */
  readonly fileId: string;
  readonly format: FileFormat;
  readonly compression: FileCompression;
  /** Byte offset where the split's range begins; 0 for whole files. */
  readonly start: number;
  /** Exclusive byte end of the range, or TO_END_OF_FILE. */
  readonly end: number;
  readonly position: FilePosition;
  /** The version discovery listed (S3 ETag): every read of the split is pinned to it. */
  readonly etag?: string;
  /** The file's size in bytes when it was listed. */
  readonly size?: number;
  /** How many splits the file was cut into (1: the whole file); siblings are `${fileId}#0` … `#${fileSplits - 1}`. */
  readonly fileSplits?: number;
  /**
   * Set on a later version of a file that an earlier run already planned: split ids become
   * `${fileId}~${versionTag}` (`…#i` for ranges) and record ids `${fileId}~${versionTag}@offset`,
   * so the new version is read as new data and never taken for the old one.
   */
  readonly versionTag?: string;
}

/**
 * One file, or one byte range of a file: an immutable value. Progress is the separate
 * `position` value; `withPosition` returns a new split, so a checkpoint can never change
 * under the runtime that holds it.
 *
 * @example
 * const split = FileSplit.create({ splitId: 'a.csv', path: '/data/a.csv', fileId: 'a.csv', format: 'csv', compression: 'none' });
 * const later = split.withPosition({ offset: 1042, line: 31, records: 29, header: ['sku', 'qty'] });
 */
export class FileSplit implements SourceSplit, FileSplitProps {
  readonly splitId: string;
  readonly path: string;
  readonly fileId: string;
  readonly format: FileFormat;
  readonly compression: FileCompression;
  readonly start: number;
  readonly end: number;
  readonly position: FilePosition;
  readonly etag?: string;
  readonly size?: number;
  readonly fileSplits: number;
  readonly versionTag?: string;

  constructor(props: FileSplitProps) {
    this.splitId = requireString(props.splitId, 'splitId');
    this.path = requireString(props.path, 'path');
    if (!isAbsolute(this.path) && !this.path.startsWith('s3://')) {
      throw invalid('path', 'must be an absolute path or an s3:// url', props.path);
    }
    this.fileId = requireString(props.fileId, 'fileId');
    this.format = requireOneOf(props.format, FILE_FORMATS, 'format');
    this.compression = requireOneOf(props.compression, FILE_COMPRESSIONS, 'compression');
    this.start = requireInt(props.start, 'start', 0);
    this.end = requireInt(props.end, 'end', TO_END_OF_FILE);
    if (this.end !== TO_END_OF_FILE && this.end <= this.start) {
      throw invalid('end', `must be greater than start (${this.start}) or TO_END_OF_FILE`, props.end);
    }
    // Byte ranges address the stored bytes; a gzip file can only be read from its beginning.
    if (this.compression === 'gzip' && (this.start !== 0 || this.end !== TO_END_OF_FILE)) {
      throw invalid('start', 'must be 0 with end TO_END_OF_FILE for a gzip file', props.start);
    }
    this.position = freezePosition(props.position, this.start);
    if (props.etag !== undefined) this.etag = requireString(props.etag, 'etag');
    if (props.size !== undefined) {
      this.size = requireInt(props.size, 'size', 0);
      if (this.end > this.size) throw invalid('end', `must not pass the file's size (${this.size})`, props.end);
    }
    this.fileSplits = props.fileSplits === undefined ? 1 : requireInt(props.fileSplits, 'fileSplits', 1);
    if (this.fileSplits > 1 && this.compression === 'gzip') throw invalid('fileSplits', 'must be 1 for a gzip file', props.fileSplits);
    if (props.versionTag !== undefined) {
      this.versionTag = requireString(props.versionTag, 'versionTag');
      if (!/^[0-9a-z]+$/.test(this.versionTag)) throw invalid('versionTag', 'must be lowercase letters and digits', props.versionTag);
    }
    Object.freeze(this);
  }

  /** The file (and version): the id of a whole-file split, the stem of range ids and record ids. */
  get baseId(): string {
    return this.versionTag === undefined ? this.fileId : `${this.fileId}~${this.versionTag}`;
  }

  /** Ids of every split of this file (version), this one included. */
  get siblingIds(): string[] {
    return this.fileSplits === 1 ? [this.baseId] : Array.from({ length: this.fileSplits }, (_, i) => rangeSplitId(this.baseId, i));
  }

  /** This split as part of a later version of its file, tagged `versionTag` (ids change, nothing else). */
  asNewVersion(versionTag: string): FileSplit {
    const range = this.splitId.slice(this.baseId.length); // '' or '#i'
    const base = `${this.fileId}~${versionTag}`;
    return new FileSplit({ ...this, splitId: base + range, versionTag });
  }

  /**
   * Whether `position.line` counts from the file's first line. A JSON Lines range after the
   * first is cut without reading what lies before it, so its lines count from the range start.
   */
  get linesFromFileStart(): boolean {
    return this.start === 0 || this.format === 'csv';
  }

  /** A whole-file split at its start. */
  static create(props: Omit<FileSplitProps, 'start' | 'end' | 'position'> & Partial<FileSplitProps>): FileSplit {
    return new FileSplit({ start: 0, end: TO_END_OF_FILE, position: START_OF_FILE, ...props });
  }

  withPosition(position: FilePosition): FileSplit {
    return new FileSplit({ ...this, position });
  }
}

/** Split id of range `index` of a file cut into several splits. */
export function rangeSplitId(fileId: string, index: number): string {
  return `${fileId}#${index}`;
}

function freezePosition(position: FilePosition, start: number): FilePosition {
  if (typeof position !== 'object' || position === null) throw invalid('position', 'must be an object', position);
  const offset = requireInt(position.offset, 'position.offset', start);
  const line = requireInt(position.line, 'position.line', 1);
  const records = requireInt(position.records, 'position.records', 0);
  if (position.header === undefined) return Object.freeze({ offset, line, records });
  const { header } = position;
  if (!Array.isArray(header) || header.some((name) => typeof name !== 'string')) {
    throw invalid('position.header', 'must be an array of strings', header);
  }
  // Positions are copied once per batch; an already frozen header is shared, not copied.
  return Object.freeze({ offset, line, records, header: Object.isFrozen(header) ? header : Object.freeze([...header]) });
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, 'must be a non-empty string', value);
  return value;
}

function requireInt(value: unknown, field: string, min: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw invalid(field, `must be an integer >= ${min}`, value);
  }
  return value as number;
}

function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value as T)) throw invalid(field, `must be one of ${allowed.join(', ')}`, value);
  return value as T;
}

function invalid(field: string, rule: string, got: unknown): ConfigError {
  return new ConfigError(`FileSplit ${field} ${rule} (got ${JSON.stringify(got) ?? String(got)})`, { context: { field } });
}
