import fc from 'fast-check';
import { recordPosition } from '../../../lib/rafka/recordPosition';

/** The positions the rafka sink's high-water mark compares must sort (as Lua compares strings, bytewise) like the read order. */
const bytewise = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const offset = fc.bigInt({ min: 0n, max: 9_999_999_999_999_999n });

describe('recordPosition', () => {
  it('reads the built-in sources’ ids: file offsets, stream entry ids, transform fan-outs', () => {
    expect(recordPosition('in/a.csv@1042')).toEqual({ prefix: 'in/a.csv', position: 'd1042' });
    expect(recordPosition('in/a.csv~v2@0/3')).toEqual({ prefix: 'in/a.csv~v2', position: 'a0/a4' });
    expect(recordPosition('orders:3@1700000000000-12')).toEqual({ prefix: 'orders:3', position: 'm1700000000000-b12' });
    expect(recordPosition('mail@host/x.csv@007')).toEqual({ prefix: 'mail@host/x.csv', position: 'a7' });
  });

  it('gives a custom id no position (the sink dedupes it by a marker of its own)', () => {
    for (const id of ['row-1', 'x@', 'x@12-', 'x@1/2/3', 'x@1x', 'x@12345678901234567', 'x@-1']) expect(recordPosition(id)).toBeUndefined();
  });

  it('orders file offsets bytewise as numbers, whatever their digit counts', () => {
    fc.assert(fc.property(offset, offset, (a, b) => {
      const pa = recordPosition(`f@${a}`)!.position;
      const pb = recordPosition(`f@${b}`)!.position;
      expect(Math.sign(bytewise(pa, pb))).toBe(a < b ? -1 : a > b ? 1 : 0);
    }));
  });

  it('orders stream entry ids and fan-outs as the reader gives them', () => {
    const id = fc.tuple(offset, fc.option(offset, { nil: undefined }), fc.option(fc.nat(1000), { nil: undefined }));
    fc.assert(fc.property(id, id, fc.boolean(), ([ma, sa, fa], [mb, sb, fb], stream) => {
      // one split's ids all have one shape: a stream's all have a sequence; fan-out or not per record
      const seqA = stream ? (sa ?? 0n) : undefined;
      const seqB = stream ? (sb ?? 0n) : undefined;
      if (ma === mb && seqA === seqB && (fa === undefined) !== (fb === undefined)) return; // one record is fanned out or not
      const text = (m: bigint, s: bigint | undefined, f: number | undefined) => `s:0@${m}${s === undefined ? '' : `-${s}`}${f === undefined ? '' : `/${f}`}`;
      const key = (m: bigint, s: bigint | undefined, f: number | undefined) => [m, s ?? 0n, BigInt(f ?? -1)];
      const ka = key(ma, seqA, fa);
      const kb = key(mb, seqB, fb);
      const cmp = ka[0]! !== kb[0]! ? (ka[0]! < kb[0]! ? -1 : 1) : ka[1]! !== kb[1]! ? (ka[1]! < kb[1]! ? -1 : 1) : ka[2]! !== kb[2]! ? (ka[2]! < kb[2]! ? -1 : 1) : 0;
      expect(Math.sign(bytewise(recordPosition(text(ma, seqA, fa))!.position, recordPosition(text(mb, seqB, fb))!.position))).toBe(cmp);
    }));
  });
});
