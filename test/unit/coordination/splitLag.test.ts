import fc from 'fast-check';
import { flowLag, splitLag } from '../../../lib/coordination/SplitLag';
import type { SplitRow, SplitStatus } from '../../../lib/coordination/SplitStore';
import { resetPosition } from '../../../lib/cli/admin/resetPosition';

function fileRow(data: Record<string, unknown>, status: SplitStatus = 'PENDING', updatedAt = 0): SplitRow {
  const full = { splitId: 'a.csv', path: '/d/a.csv', fileId: 'a.csv', format: 'csv', compression: 'none', start: 0, end: -1, offset: 0, line: 1, records: 0, ...data };
  return { splitId: String(full.splitId), split: { splitId: String(full.splitId), version: 2, data: full }, status, leaseToken: 1, attempts: 0, records: 0, badRecords: 0, updatedAt };
}

describe('splitLag', () => {
  it('is the bytes between the offset and the end of the range or file, 0 once FINISHED, unknown for gzip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.nat(), fc.boolean(), (size, at, range) => {
        const offset = at % size;
        const data = range ? { start: 0, end: size, offset } : { size, offset };
        expect(splitLag(fileRow(data)).bytesRemaining).toBe(size - offset);
        expect(splitLag(fileRow(data, 'FINISHED')).bytesRemaining).toBe(0);
        expect(splitLag(fileRow({ ...data, compression: 'gzip' })).bytesRemaining).toBeUndefined();
      }),
    );
  });

  it('sums bytes over the flow and ages the oldest PENDING split', () => {
    const rows = [fileRow({ size: 100, offset: 40 }, 'PENDING', 5_000), fileRow({ size: 10, offset: 0 }, 'ASSIGNED', 1_000), fileRow({ size: 50, offset: 10 }, 'PENDING', 9_000)];
    expect(flowLag(rows, 65_000)).toEqual({ bytesRemaining: 60 + 10 + 40, oldestPendingAgeSeconds: 60 });
    expect(flowLag([], 1).oldestPendingAgeSeconds).toBe(0);
  });
});

describe('resetPosition', () => {
  const rafka = (lastId: string): SplitRow => ({ ...fileRow({}), splitId: 't:0', split: { splitId: 't:0', version: 1, data: { topic: 't', partition: 0, streamKey: 't:0', lastId, stopId: '+' } } });

  it('moves a Rafka partition to earliest, latest or an entry id, and refuses anything else', () => {
    expect(resetPosition(rafka('9-0'), 'earliest').data.lastId).toBe('0-0');
    expect(resetPosition(rafka('9-0'), 'latest', '12-3').data.lastId).toBe('12-3');
    expect(resetPosition(rafka('9-0'), '5-1').data.lastId).toBe('5-1');
    expect(() => resetPosition(rafka('9-0'), 'latest')).toThrow('--redis-url');
    expect(() => resetPosition(rafka('9-0'), 'soon')).toThrow('entry id');
  });

  it('puts a file split back at its start (a CSV header read again), and refuses a CSV range after the first', () => {
    const back = resetPosition(fileRow({ offset: 500, line: 20, records: 18, header: ['a'] }), 'earliest').data;
    expect(back).toMatchObject({ offset: 0, line: 1, records: 0 });
    expect(back.header).toBeUndefined();
    const jsonRange = resetPosition(fileRow({ format: 'jsonl', start: 100, end: 200, offset: 150, line: 3 }), 'earliest').data;
    expect(jsonRange).toMatchObject({ offset: 100, line: 1, records: 0 });
    expect(() => resetPosition(fileRow({ start: 100, end: 200, offset: 150, line: 30 }), 'earliest')).toThrow('CSV byte range');
    expect(() => resetPosition(fileRow({}), 'latest')).toThrow('--to earliest');
  });
});
