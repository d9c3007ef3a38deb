/**
 * The split table's row codec on its own (no sockets): key shortening, encoding a new row,
 * and checked decoding. dynamoSplitStore.test.ts checks the same layout on the wire.
 */
import {
  MAX_SPLIT_ID_KEY_BYTES,
  decodeEnumeratorRow,
  decodeSplitRow,
  fromStoredJson,
  newSplitItem,
  splitIdKeyPart,
  splitKey,
  toStoredJson,
} from '../../../lib/coordination/DynamoSplitRowCodec';
import { AdfError, ConfigError } from '../../../lib/errors';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('split row keys', () => {
  it('uses ids up to MAX_SPLIT_ID_KEY_BYTES as they are', () => {
    expect(splitKey('orders', 'in/a.csv')).toEqual({ pk: 'FLOW#orders', sk: 'SPLIT#in/a.csv' });
    const longest = 'é'.repeat((MAX_SPLIT_ID_KEY_BYTES - 1) / 2) + 'x'; // 1017 bytes
    expect(bytes(longest)).toBe(MAX_SPLIT_ID_KEY_BYTES);
    expect(splitIdKeyPart(longest)).toBe(longest);
  });

  it('shortens longer ids to a prefix and the SHA-256 of the whole id, within the key limit', () => {
    // Arrange
    const id = 'x'.repeat(MAX_SPLIT_ID_KEY_BYTES + 1);

    // Act
    const part = splitIdKeyPart(id);

    // Assert
    expect(part).toMatch(/^x+#sha256:[0-9a-f]{64}$/);
    expect(bytes(part)).toBeLessThanOrEqual(MAX_SPLIT_ID_KEY_BYTES);
    expect(bytes(splitKey('f', id).sk)).toBeLessThanOrEqual(1024);
    expect(splitIdKeyPart(id)).toBe(part); // deterministic
    expect(splitIdKeyPart(`${id}y`)).not.toBe(part);
  });

  it('never cuts a character in two', () => {
    // Arrange: 4-byte characters (surrogate pairs in JS)
    const id = '😀'.repeat(400);

    // Act
    const prefix = splitIdKeyPart(id).split('#sha256:')[0]!;

    // Assert
    expect(prefix).toBe('😀'.repeat(prefix.length / 2));
    expect(prefix.length).toBeGreaterThan(0);
  });

  it('refuses flow names that would break the key layout', () => {
    expect(() => splitKey('a#b', 'x')).toThrow(ConfigError);
    expect(() => splitKey('', 'x')).toThrow(ConfigError);
  });
});

describe('split rows', () => {
  it('encodes a new split as a PENDING row in the status index', () => {
    expect(newSplitItem('orders', { splitId: 'a', version: 1, data: { offset: 0 } }, 1_700_000_000_000, 'w1')).toEqual({
      writeId: 'w1',
      pk: 'FLOW#orders',
      sk: 'SPLIT#a',
      splitId: 'a',
      split: { splitId: 'a', version: 1, data: { offset: 0 } },
      status: 'PENDING',
      leaseToken: 0,
      attempts: 0,
      records: 0,
      badRecords: 0,
      updatedAt: 1_700_000_000_000,
      gsi1pk: 'FLOW#orders#PENDING',
      gsi1sk: '001700000000000',
    });
  });

  it('decodes a row without index keys or unset optional fields', () => {
    // Arrange
    const item = { ...newSplitItem('f', { splitId: 'a', version: 1, data: {} }, 5, 'w1'), leaseOwner: 'r0', leaseExpiresAt: 9, sinkState: { n: 1n }, ttl: 1 };

    // Act
    const row = decodeSplitRow(item);

    // Assert
    expect(row).toEqual({ splitId: 'a', split: { splitId: 'a', version: 1, data: {} }, status: 'PENDING', leaseToken: 0, leaseOwner: 'r0', leaseExpiresAt: 9, attempts: 0, records: 0, badRecords: 0, updatedAt: 5, sinkState: { n: 1 } });
    expect(Object.keys(decodeSplitRow(newSplitItem('f', { splitId: 'a', version: 1, data: {} }, 5, 'w1')))).not.toContain('leaseOwner');
  });

  it.each([
    ['status', { status: 'DONE' }, /status must be one of PENDING, ASSIGNED, FINISHED, FAILED \(got "DONE"\)/],
    ['leaseToken', { leaseToken: '1' }, /leaseToken must be a number \(got "1"\)/],
    ['attempts', { attempts: undefined }, /attempts is missing/],
    ['split', { split: { data: {} } }, /split must be a map with splitId and version/],
    ['leaseOwner', { leaseOwner: 7 }, /leaseOwner must be a string \(got 7\)/],
  ])('refuses a row with a bad %s, naming the field and the row', (field, change, message) => {
    const item = { ...newSplitItem('f', { splitId: 'a', version: 1, data: {} }, 5, 'w1'), ...change };
    const error = (() => {
      try {
        decodeSplitRow(item);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AdfError);
    expect((error as AdfError).message).toMatch(message);
    expect((error as AdfError).message).toContain('split row FLOW#f/SPLIT#a');
    expect((error as AdfError).context.field).toBe(field);
  });

  it('decodes the enumerator row, with defaults for a row holding only state', () => {
    expect(decodeEnumeratorRow({ pk: 'FLOW#f', sk: 'ENUMERATOR', cursor: { page: 2n ** 60n }, noMoreSplits: true, complete: false, updatedAt: 3 })).toEqual({ cursor: { page: 2 ** 60 }, noMoreSplits: true, complete: false, updatedAt: 3 });
    expect(decodeEnumeratorRow({ pk: 'FLOW#f', sk: 'ENUMERATOR', state: 'x', updatedAt: 3 })).toEqual({ noMoreSplits: false, complete: false, updatedAt: 3 });
    expect(() => decodeEnumeratorRow({ pk: 'FLOW#f', sk: 'ENUMERATOR', complete: 'yes', updatedAt: 3 })).toThrow(/complete must be a boolean/);
  });
});

describe('stored JSON values', () => {
  it('stores what a JSON round trip keeps, with unsafe integers as BigInt', () => {
    expect(toStoredJson(undefined)).toBeUndefined();
    expect(toStoredJson({ a: undefined, d: new Date(0), n: [1, 0.5, null], big: 2 ** 60, neg: -(2 ** 60) })).toEqual({ d: '1970-01-01T00:00:00.000Z', n: [1, 0.5, null], big: 2n ** 60n, neg: -(2n ** 60n) });
  });

  it('reads BigInt back as numbers, everywhere in the value', () => {
    expect(fromStoredJson({ a: [1n, { b: 2n ** 60n }], s: new Set([3n]), t: 'x' })).toEqual({ a: [1, { b: 2 ** 60 }], s: [3], t: 'x' });
  });
});
