import type { RafkaConfig } from './RafkaOptions';

/** A record value: the entry's fields as an object, or the decoded `valueField`. */
export type RafkaValue = unknown;

/** Deterministic: the same entry always gets the same record id. */
export function recordId(streamKey: string, entryId: string): string {
  return `${streamKey}@${entryId}`;
}

/** Flat stream fields (`field, value, …`) as an object; a trailing field without a value is dropped. */
export function fieldsObject(fields: string[]): Record<string, string> {
  const value: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) value[fields[i]!] = fields[i + 1]!;
  return value;
}

/** The record value of an entry per `valueField` / `valueEncoding`, or why it has none (a bad record). */
export function decodeValue(config: Pick<RafkaConfig, 'valueField' | 'valueEncoding'>, fields: string[]): { value: RafkaValue } | { error: string } {
  const { valueField, valueEncoding } = config;
  if (valueField === undefined) return { value: fieldsObject(fields) };
  const i = fields.findIndex((f, j) => j % 2 === 0 && f === valueField);
  if (i < 0) return { error: `entry has no field "${valueField}"` };
  const raw = fields[i + 1]!;
  if (valueEncoding === 'string') return { value: raw };
  try {
    return { value: JSON.parse(raw) };
  } catch (err) {
    return { error: `field "${valueField}" is not valid JSON: ${(err as Error).message}` };
  }
}
