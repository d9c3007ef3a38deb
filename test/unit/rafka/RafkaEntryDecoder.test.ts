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
