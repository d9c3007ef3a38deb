import fc from 'fast-check';
import { decodeValue, rawFields } from '../../../lib/sources/rafka/RafkaEntryDecoder';

describe('Rafka entry decoding keeps every field', () => {
  const asFields = { valueField: undefined, valueEncoding: 'json' as const };

  it('keeps a field named __proto__ as an own field', () => {
    const decoded = decodeValue(asFields, ['__proto__', 'x', 'a', '1']);

    expect('value' in decoded).toBe(true);
    const value = (decoded as { value: Record<string, string> }).value;
    expect(Object.keys(value)).toEqual(['__proto__', 'a']);
    expect(JSON.stringify(value)).toBe('{"__proto__":"x","a":"1"}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('makes an entry repeating a field name a bad record whose raw keeps every value', () => {
    const fields = ['k', '1', 'v', 'a', 'v', 'b'];

    const decoded = decodeValue(asFields, fields);

    expect(decoded).toEqual({ error: expect.stringMatching(/field "v" occurs 2 times/) });
    expect(rawFields(fields)).toEqual([
      ['k', '1'],
      ['v', 'a'],
      ['v', 'b'],
    ]);
  });

  it('makes an entry repeating the value field a bad record', () => {
    expect(decodeValue({ valueField: 'data', valueEncoding: 'json' }, ['data', '1', 'data', '2'])).toEqual({ error: expect.stringMatching(/value field "data" occurs 2 times/) });
  });

  it('keeps the digits of big JSON integers in the value field', () => {
    expect(decodeValue({ valueField: 'data', valueEncoding: 'json' }, ['data', '{"id":12345678901234567891}'])).toEqual({ value: { id: '12345678901234567891' } });
  });
});

describe('Rafka entry decoding, any fields', () => {
  const name = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a', 'b'), fc.string({ maxLength: 6 }));
  const entry = fc.array(fc.tuple(name, fc.string({ maxLength: 8 })), { maxLength: 8 });

  it('is the entry as an object when every name is distinct, else a bad record naming the first repeated one', () => {
    fc.assert(
      fc.property(entry, (pairs) => {
        const decoded = decodeValue({ valueField: undefined, valueEncoding: 'json' }, pairs.flat());
        const names = pairs.map(([n]) => n);
        // The name whose second occurrence comes first.
        const first = names.find((n, i) => names.indexOf(n) < i);
        if (first !== undefined) {
          expect(decoded).toEqual({ error: `field "${first}" occurs ${names.filter((n) => n === first).length} times in the entry; a record keeps one value per field name (all values are in raw)` });
          return;
        }
        const value = (decoded as { value: Record<string, string> }).value;
        expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
        expect(Object.keys(value).sort()).toEqual([...names].sort());
        for (const [n, v] of pairs) expect(Object.getOwnPropertyDescriptor(value, n)?.value).toBe(v);
      }),
    );
  });
});
