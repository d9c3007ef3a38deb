import { parseJsonKeepingDigits } from '../../util/parseJsonKeepingDigits';
import type { RafkaConfig } from './RafkaOptions';

/** A record value: the entry's fields as an object, or the decoded `valueField`. */
export type RafkaValue = unknown;

/** Deterministic: the same entry always gets the same record id. */
export function recordId(streamKey: string, entryId: string): string {
  return `${streamKey}@${entryId}`;
}

/**
 * Flat stream fields (`field, value, …`) as an object; a trailing field without a value is
 * dropped (Redis never returns one). Every name becomes an own property: a field named
 * `__proto__` is defined, not assigned, so it is kept instead of replacing the prototype.
 * Call it only for entries whose names are distinct (`repeatedField`): a repeated name keeps
 * only its last value.
 */
export function fieldsObject(fields: string[]): Record<string, string> {
  return distinctFieldsObject(fields, false)!;
}

/**
 * `fieldsObject` in the same pass as the check that every name is distinct (one pass per
 * entry, no Map: this runs for every entry read); undefined when a name repeats.
 */
function distinctFieldsObject(fields: string[], strict: boolean): Record<string, string> | undefined {
  const value: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!;
    if (strict && hasOwn(value, name)) return undefined;
    if (name === '__proto__') Object.defineProperty(value, name, { value: fields[i + 1]!, enumerable: true, writable: true, configurable: true });
    else value[name] = fields[i + 1]!;
  }
  return value;
}

const hasOwn = (o: object, name: string) => Object.prototype.hasOwnProperty.call(o, name);

/** The first field name that occurs more than once, with its count; undefined when all are distinct. */
export function repeatedField(fields: string[]): { name: string; count: number } | undefined {
  const counts = new Map<string, number>();
  let repeated: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!;
    const count = (counts.get(name) ?? 0) + 1;
    counts.set(name, count);
    if (count === 2) repeated ??= name;
  }
  return repeated === undefined ? undefined : { name: repeated, count: counts.get(repeated)! };
}

/**
 * An entry's fields for a dead letter, every value kept: an object when the names are
 * distinct, else the `[name, value]` pairs in stream order.
 */
export function rawFields(fields: string[]): Record<string, string> | [string, string][] {
  if (!repeatedField(fields)) return fieldsObject(fields);
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) pairs.push([fields[i]!, fields[i + 1]!]);
  return pairs;
}

/**
 * The record value of an entry per `valueField` / `valueEncoding`, or why it has none (a bad
 * record). An entry that repeats a field name (the whole entry as the value) or the value
 * field is a bad record: an object keeps one value per name, so the others would vanish.
 * JSON integers beyond ±2^53 keep their digits as strings (see parseJsonKeepingDigits).
 */
export function decodeValue(config: Pick<RafkaConfig, 'valueField' | 'valueEncoding'>, fields: string[]): { value: RafkaValue } | { error: string } {
  const { valueField, valueEncoding } = config;
  if (valueField === undefined) {
    const value = distinctFieldsObject(fields, true);
    if (value) return { value };
    const repeated = repeatedField(fields)!;
    return { error: `field "${repeated.name}" occurs ${repeated.count} times in the entry; a record keeps one value per field name (all values are in raw)` };
  }
  const at: number[] = [];
  for (let j = 0; j + 1 < fields.length; j += 2) if (fields[j] === valueField) at.push(j);
  if (at.length === 0) return { error: `entry has no field "${valueField}"` };
  if (at.length > 1) return { error: `value field "${valueField}" occurs ${at.length} times in the entry (all values are in raw)` };
  const raw = fields[at[0]! + 1]!;
  if (valueEncoding === 'string') return { value: raw };
  try {
    return { value: parseJsonKeepingDigits(raw) };
  } catch (err) {
    return { error: `field "${valueField}" is not valid JSON: ${(err as Error).message}` };
  }
}
