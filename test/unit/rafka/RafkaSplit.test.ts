import fc from 'fast-check';
import { ConfigError } from '../../../lib/errors';
import { compareStreamIds, NO_STOP_ID, RafkaSplit, RafkaSplitSerializer, START_OF_STREAM } from '../../../lib/sources/rafka';
import { deserializeSplit, serializeSplit } from '../../../lib/source-support';

const split = (over: Partial<ConstructorParameters<typeof RafkaSplit>[0]> = {}) => new RafkaSplit({ topic: 'orders', partition: 3, streamKey: 'orders:3', ...over });

describe('RafkaSplit', () => {
  it('is one partition: split id = stream key, nothing committed, unbounded by default', () => {
    const s = split();
    expect(s).toMatchObject({ splitId: 'orders:3', topic: 'orders', partition: 3, streamKey: 'orders:3', position: { lastId: START_OF_STREAM }, stopId: NO_STOP_ID });
    expect(s.bounded).toBe(false);
    expect(s.reachedStop).toBe(false);
  });

  it('is immutable; withPosition makes a new split', () => {
    const s = split();
    const next = s.withPosition('1700000000000-5');
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.position)).toBe(true);
    expect(() => ((s as { partition: number }).partition = 4)).toThrow(TypeError);
    expect(s.position.lastId).toBe(START_OF_STREAM);
    expect(next.position.lastId).toBe('1700000000000-5');
    expect(next).toBeInstanceOf(RafkaSplit);
  });

  it('reaches its stop id when the position gets there (an empty partition at discovery is done at once)', () => {
    expect(split({ stopId: START_OF_STREAM }).reachedStop).toBe(true);
    const bounded = split({ stopId: '10-2' });
    expect(bounded.withPosition('10-1').reachedStop).toBe(false);
    expect(bounded.withPosition('10-2').reachedStop).toBe(true);
  });

  it.each([
    [{ topic: '' }, 'rafka split: topic must be a non-empty string (got "")'],
    [{ partition: -1 }, 'rafka split: partition must be a whole number >= 0 (got -1)'],
    [{ partition: 1.5 }, 'rafka split: partition must be a whole number >= 0 (got 1.5)'],
    [{ streamKey: '' }, 'rafka split: streamKey must be a non-empty string (got "")'],
    [{ position: { lastId: 'abc' } }, 'rafka split: position.lastId must be a stream entry id like 1700000000000-0 (got "abc")'],
    [{ stopId: '$' }, 'rafka split: stopId must be a stream entry id or NO_STOP_ID ("+") (got "$")'],
  ])('rejects %j', (over, message) => {
    expect(() => split(over)).toThrow(ConfigError);
    expect(() => split(over)).toThrow(message);
  });

  it('serializes (v1) and back, through the SPI helpers', () => {
    const s = split({ stopId: '99-0' }).withPosition('42-7');
    const stored = serializeSplit(RafkaSplitSerializer, s);
    expect(stored).toEqual({ splitId: 'orders:3', version: 1, data: { topic: 'orders', partition: 3, streamKey: 'orders:3', lastId: '42-7', stopId: '99-0' } });
    expect(JSON.parse(JSON.stringify(stored))).toEqual(stored);
    expect(deserializeSplit(RafkaSplitSerializer, stored)).toEqual(s);
  });

  it('refuses a serializer version it does not know, and bad data', () => {
    expect(() => RafkaSplitSerializer.deserialize(2, {})).toThrow('rafka split: serializer version 2 is not supported');
    expect(() => RafkaSplitSerializer.deserialize(1, { topic: 't', partition: 0, streamKey: 't:0', lastId: 'x', stopId: '+' })).toThrow(ConfigError);
  });
});

describe('compareStreamIds', () => {
  it.each([
    ['0-0', '0-1', -1],
    ['9-0', '10-0', -1],
    ['10-0', '9-9', 1],
    ['1700000000000-12', '1700000000000-2', 1],
    ['18446744073709551615-0', '18446744073709551614-99', 1],
    ['5-5', '5-5', 0],
    ['5-5', NO_STOP_ID, -1],
    [NO_STOP_ID, NO_STOP_ID, 0],
  ])('%s vs %s → %d', (a, b, sign) => {
    expect(Math.sign(compareStreamIds(a, b))).toBe(sign);
  });
});

describe('compareStreamIds, against BigInt arithmetic', () => {
  const digits = fc.stringMatching(/^\d{1,20}$/);
  const id = fc.tuple(digits, digits).map(([ms, seq]) => `${ms}-${seq}`);
  const reference = (a: string, b: string) => {
    const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
    const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
    return am !== bm ? (am < bm ? -1 : 1) : as < bs ? -1 : as > bs ? 1 : 0;
  };

  it('orders any two ids (leading zeros, up to 20 digits) as numbers', () => {
    fc.assert(fc.property(id, id, (a, b) => Math.sign(compareStreamIds(a, b)) === reference(a, b)));
    expect(compareStreamIds('007-01', '7-1')).toBe(0);
  });

  it('refuses what is not an id, as isStreamId does', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 45 }), id, (junk, good) => {
        fc.pre(junk !== NO_STOP_ID && junk !== good);
        const valid = /^\d{1,20}-\d{1,20}$/.test(junk);
        if (valid) return true;
        expect(() => compareStreamIds(junk, good)).toThrow(TypeError);
        expect(() => compareStreamIds(good, junk)).toThrow(TypeError);
        return true;
      }),
    );
    for (const junk of ['-1', '1-', '1-2-3', '١-1', '123456789012345678901-0', ' 1-1', '']) expect(() => compareStreamIds(junk, '1-1')).toThrow(TypeError);
  });
});
