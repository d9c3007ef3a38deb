import type { SourceRecord } from '../source-support/SourceRecord';

/** How a record becomes one JSON line. */
export type LineFormat = (id: string, value: unknown) => unknown;

/** The default line of every JSON Lines sink: `{"id":…,"value":…}`. */
export const RECORD_LINE: LineFormat = (id, value) => ({ id, value });

/** The value alone: dead-letter lines, whose value already names file, line, offset and reason. */
export const VALUE_LINE: LineFormat = (_id, value) => value;

/** One batch as JSON Lines text (one string, so a sink writes it in one call). */
export function toJsonLines(records: readonly SourceRecord<unknown>[], format: LineFormat = RECORD_LINE): string {
  let text = '';
  for (const r of records) text += JSON.stringify(format(r.id, r.value)) + '\n';
  return text;
}
