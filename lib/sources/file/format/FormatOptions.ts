import { isTabSeparated } from '../FileTypeInference';
import type { DuplicateHeaders } from './CsvColumnNames';
import type { TextEncoding } from './TextEncoding';

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
    /** Undefined: 'error'. */
    readonly duplicateHeaders?: DuplicateHeaders;
  };
  /** Encoding of files without a byte order mark; undefined: 'utf-8'. */
  readonly encoding?: TextEncoding;
  /** Longest record or line; bounds the memory one malformed record can take. */
  readonly maxRecordBytes: number;
}

/** The CSV characters for one file, defaults filled in. */
export interface CsvDialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
}

/**
 * The CSV characters a file is read with. The split planner (which finds the header row and
 * quote-aware cut points) and the record cursor must agree on them, so both take them from here.
 *
 * @example
 * csvDialect({ quote: '"', header: true }, 'in/prices.tsv'); // { delimiter: '\t', quote: '"', escape: '"' }
 */
export function csvDialect(csv: FormatOptions['csv'], fileId: string): CsvDialect {
  return {
    delimiter: csv.delimiter ?? (isTabSeparated(fileId) ? '\t' : ','),
    quote: csv.quote,
    escape: csv.escape ?? csv.quote,
  };
}
