/**
 * The split table's rows as the DynamoDB split store writes and reads them: keys (with long
 * split ids shortened), the attribute layout of a split row and of the enumerator row, and
 * the checked decoding back into `SplitRow` / `EnumeratorRow`.
 *
 * Split row attributes (DocumentClient types):
 *
 * | attribute        | type    | when                                                        |
 * |------------------|---------|-------------------------------------------------------------|
 * | `pk`             | S       | always: `FLOW#<flow>`                                       |
 * | `sk`             | S       | always: `SPLIT#<splitId>` (long ids: see `splitIdKeyPart`)  |
 * | `splitId`        | S       | always: the real id, never shortened                        |
 * | `split`          | M       | always: the SerializedSplit `{ splitId, version, data }`     |
 * | `status`         | S       | always: PENDING, ASSIGNED, FINISHED or FAILED               |
 * | `leaseToken`     | N       | always; 0 when created, + 1 on every claim and reclaim      |
 * | `leaseOwner`     | S       | ASSIGNED only                                               |
 * | `leaseExpiresAt` | N       | ASSIGNED only, epoch ms                                     |
 * | `attempts`       | N       | always; failed attempts since the last commit               |
 * | `lastError`      | S       | after a failed attempt (kept when later attempts succeed)   |
 * | `sinkState`      | any     | after a commit that carried one                             |
 * | `records`        | N       | always; running total                                       |
 * | `badRecords`     | N       | always; running total                                       |
 * | `updatedAt`      | N       | always, epoch ms                                            |
 * | `gsi1pk`         | S       | PENDING / ASSIGNED: `FLOW#<flow>#<status>`; FAILED until its alert was sent; |
 * |                  |         | FINISHED with a pending after-finish: `FLOW#<flow>#AFTER_FINISH` |
 * | `gsi1sk`         | S       | PENDING: last update / re-enqueue; ASSIGNED: lease expiry;   |
 * |                  |         | FAILED: failure or last alert attempt                        |
 * | `writeId`        | S       | always: id of the store call that wrote the row last         |
 * | `ttl`            | N       | FINISHED only, epoch seconds, once the after-finish is done |
 * | `afterFinish`    | S       | FINISHED, `PENDING` while its after-finish action is to do  |
 * | `afterFinishError` | S     | FINISHED, after a failed try of the after-finish action     |
 * | `resentToken`    | N       | the token the failure handler last re-sent a message for    |
 *
 * The enumerator row (`sk` = `ENUMERATOR`): `cursor` (any), `noMoreSplits` (BOOL),
 * `complete` (BOOL), `state` (any: `putEnumeratorState`), `updatedAt` (N).
 */
import { createHash } from 'node:crypto';
import { AdfError } from '../errors';
import {
  ENUMERATOR_SORT_KEY,
  flowPartitionKey,
  splitSortKey,
  statusIndexPartitionKey,
  statusIndexSortKey,
} from '../aws/splitTable';
import type { SerializedSplit } from '../source-support/SourceSplit';
import type { EnumeratorRow } from './ServerlessSplitStore';
import { SplitStatus } from './SplitStore';
import type { SplitRow } from './SplitStore';

/** Split ids up to this many UTF-8 bytes are used in the sort key as they are (splitTable.ts). */
export const MAX_SPLIT_ID_KEY_BYTES = 1017;
const HASH_MARKER = '#sha256:';
/** `#sha256:` + 64 hex digits. */
const HASH_SUFFIX_BYTES = HASH_MARKER.length + 64;

export type SplitKey = {
  readonly pk: string;
  readonly sk: string;
};

/** A split row as stored; optional attributes are absent (never null) when unset. (A type, not an interface, so it is a Record<string, unknown>.) */
export type SplitItem = SplitKey & {
  readonly splitId: string;
  readonly split: SerializedSplit;
  readonly status: SplitStatus;
  readonly leaseToken: number;
  readonly leaseOwner?: string;
  readonly leaseExpiresAt?: number;
  readonly attempts: number;
  readonly lastError?: string;
  readonly sinkState?: unknown;
  readonly records: number;
  readonly badRecords: number;
  readonly updatedAt: number;
  readonly gsi1pk?: string;
  readonly gsi1sk?: string;
  readonly ttl?: number;
  readonly writeId?: string;
  readonly afterFinish?: string;
  readonly afterFinishError?: string;
  readonly resentToken?: number;
};

/**
 * The split id as it appears in the sort key. Ids over MAX_SPLIT_ID_KEY_BYTES become their
 * first bytes (cut at a character boundary, so listings still sort roughly by id) followed by
 * `#sha256:<hex of the whole id>`; the real id stays in the `splitId` attribute.
 */
export function splitIdKeyPart(splitId: string): string {
  if (Buffer.byteLength(splitId, 'utf8') <= MAX_SPLIT_ID_KEY_BYTES) return splitId;
  const digest = createHash('sha256').update(splitId, 'utf8').digest('hex');
  return utf8Prefix(splitId, MAX_SPLIT_ID_KEY_BYTES - HASH_SUFFIX_BYTES) + HASH_MARKER + digest;
}

export function splitKey(flow: string, splitId: string): SplitKey {
  return { pk: flowPartitionKey(flow), sk: splitSortKey(splitIdKeyPart(splitId)) };
}

export function enumeratorKey(flow: string): SplitKey {
  return { pk: flowPartitionKey(flow), sk: ENUMERATOR_SORT_KEY };
}

/** A new PENDING row, in the status index as last touched `now`; `writeId` as in DynamoSplitUpdates.splitUpdateCommand. */
export function newSplitItem(flow: string, split: SerializedSplit, now: number, writeId: string): SplitItem {
  return {
    writeId,
    ...splitKey(flow, split.splitId),
    splitId: split.splitId,
    split: toStoredJson(split) as SerializedSplit,
    status: SplitStatus.PENDING,
    leaseToken: 0,
    attempts: 0,
    records: 0,
    badRecords: 0,
    updatedAt: now,
    gsi1pk: statusIndexPartitionKey(flow, SplitStatus.PENDING),
    gsi1sk: statusIndexSortKey(now),
  };
}

/**
 * A value the way the local store would return it after a JSON round trip: undefined dropped,
 * Dates as strings, class instances as plain objects. Both stores then give back equal values,
 * and the DocumentClient never sees a value it cannot marshall: integers beyond
 * Number.MAX_SAFE_INTEGER (which it refuses as imprecise) go as BigInt, stored exactly.
 */
export function toStoredJson(value: unknown): unknown {
  if (value === undefined) return undefined;
  return JSON.parse(JSON.stringify(value), (_key, field: unknown) => (typeof field === 'number' && Number.isInteger(field) && !Number.isSafeInteger(field) ? BigInt(field) : field));
}

/**
 * The inverse for values read back: the DocumentClient turns numbers beyond
 * Number.MAX_SAFE_INTEGER into BigInt, which JSON cannot hold; they become numbers again
 * (as JSON.parse would have read them).
 */
export function fromStoredJson(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromStoredJson);
  if (value instanceof Set) return [...value].map(fromStoredJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = fromStoredJson(field);
    return out;
  }
  return value;
}

const STATUSES = new Set<string>(Object.values(SplitStatus));

/** Checks and converts a stored split row; a malformed row is a bug or foreign data, not retryable. */
export function decodeSplitRow(item: Record<string, unknown>): SplitRow {
  const where = `split row ${String(item.pk)}/${String(item.sk)}`;
  const field = new FieldReader(item, where);
  const status = field.string('status');
  if (!STATUSES.has(status)) throw malformed(where, 'status', `must be one of ${[...STATUSES].join(', ')}`, status);
  const split = fromStoredJson(field.required('split')) as SerializedSplit;
  if (typeof split !== 'object' || split === null || typeof split.splitId !== 'string' || typeof split.version !== 'number') {
    throw malformed(where, 'split', 'must be a map with splitId and version', item.split);
  }
  const row: { -readonly [K in keyof SplitRow]: SplitRow[K] } = {
    splitId: field.string('splitId'),
    split,
    status: status as SplitStatus,
    leaseToken: field.number('leaseToken'),
    attempts: field.number('attempts'),
    records: field.number('records'),
    badRecords: field.number('badRecords'),
    updatedAt: field.number('updatedAt'),
  };
  const leaseOwner = field.optionalString('leaseOwner');
  if (leaseOwner !== undefined) row.leaseOwner = leaseOwner;
  const leaseExpiresAt = field.optionalNumber('leaseExpiresAt');
  if (leaseExpiresAt !== undefined) row.leaseExpiresAt = leaseExpiresAt;
  const lastError = field.optionalString('lastError');
  if (lastError !== undefined) row.lastError = lastError;
  if (item.sinkState !== undefined) row.sinkState = fromStoredJson(item.sinkState);
  if (field.optionalString('afterFinish') !== undefined) row.afterFinishPending = true;
  const resentToken = field.optionalNumber('resentToken');
  if (resentToken !== undefined) row.resentToken = resentToken;
  const afterFinishError = field.optionalString('afterFinishError');
  if (afterFinishError !== undefined) row.afterFinishError = afterFinishError;
  if (Array.isArray(item.audit)) row.audit = item.audit.map(String);
  return row;
}

/** The enumerator row; a row holding only `state` (putEnumeratorState) reads as not done. */
export function decodeEnumeratorRow<C>(item: Record<string, unknown>): EnumeratorRow<C> {
  const field = new FieldReader(item, `enumerator row ${String(item.pk)}`);
  const row: { -readonly [K in keyof EnumeratorRow<C>]: EnumeratorRow<C>[K] } = {
    noMoreSplits: field.optionalBoolean('noMoreSplits') ?? false,
    complete: field.optionalBoolean('complete') ?? false,
    updatedAt: field.number('updatedAt'),
  };
  if (item.cursor !== undefined) row.cursor = fromStoredJson(item.cursor) as C;
  return row;
}

class FieldReader {
  constructor(private readonly item: Record<string, unknown>, private readonly where: string) {}

  required(name: string): unknown {
    const value = this.item[name];
    if (value === undefined) throw malformed(this.where, name, 'is missing', value);
    return value;
  }

  string(name: string): string {
    const value = this.required(name);
    if (typeof value !== 'string') throw malformed(this.where, name, 'must be a string', value);
    return value;
  }

  number(name: string): number {
    const value = this.required(name);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw malformed(this.where, name, 'must be a number', value);
    return value;
  }

  optionalString(name: string): string | undefined {
    return this.item[name] === undefined ? undefined : this.string(name);
  }

  optionalNumber(name: string): number | undefined {
    return this.item[name] === undefined ? undefined : this.number(name);
  }

  optionalBoolean(name: string): boolean | undefined {
    const value = this.item[name];
    if (value !== undefined && typeof value !== 'boolean') throw malformed(this.where, name, 'must be a boolean', value);
    return value;
  }
}

function malformed(where: string, field: string, problem: string, got: unknown): AdfError {
  const shown = typeof got === 'bigint' ? `${got}n` : JSON.stringify(got);
  return new AdfError(`${where} is malformed: ${field} ${problem} (got ${shown})`, { context: { field } });
}

/** The longest prefix of `text` within `maxBytes` UTF-8 bytes, never splitting a character. */
function utf8Prefix(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
}
