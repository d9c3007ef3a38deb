import fc from 'fast-check';
import { formatProgress, RATE_WINDOW_MS, RecentRate } from '../../../lib/runtime/embedded/ProgressReporter';
import { splitWorkBytes } from '../../../lib/runtime/embedded/splitWorkBytes';

const snap = { splitsFinished: 1, splitsTotal: 4, records: 1000, badRecords: 2, bytes: 25 * 1048576 };

describe('progress line', () => {
  it('shows the share done and the time left at the recent rate when the total bytes are known', () => {
    const line = formatProgress('orders', { ...snap, totalBytes: 100 * 1048576 }, { recordsPerSecond: 500, bytesPerSecond: 1048576 });
    expect(line).toBe('[orders] splits 1/4 · 25% · ETA 1m15s · 1,000 records · 500 rec/s · 25.0 MB · 2 bad');
  });

  it('shows no percentage when the size is not known (a live topic)', () => {
    expect(formatProgress('t', snap, { recordsPerSecond: 0, bytesPerSecond: 0 })).not.toMatch(/%|ETA/);
  });

  it('counts the records the transform dropped', () => {
    expect(formatProgress('t', { ...snap, droppedRecords: 7 }, { recordsPerSecond: 0, bytesPerSecond: 0 })).toContain('7 dropped by the transform');
  });

  it('says 100% only once every split is finished', () => {
    const over = { ...snap, bytes: 200, totalBytes: 100 };
    expect(formatProgress('t', over, { recordsPerSecond: 1, bytesPerSecond: 1 })).toContain(' 99% ');
    expect(formatProgress('t', { ...over, splitsFinished: 4 }, { recordsPerSecond: 1, bytesPerSecond: 1 })).toContain(' 100% ');
  });
});

describe('RecentRate', () => {
  it('falls to 0 when records stop coming, however busy the run was before (the average since the start did not)', () => {
    const rate = new RecentRate();
    let records = 0;
    for (let t = 0; t <= 60_000; t += 5_000) rate.add(t, (records += 50_000), records * 10);
    for (let t = 65_000; t <= 60_000 + 2 * RATE_WINDOW_MS; t += 5_000) rate.add(t, records, records * 10);
    expect(rate.add(60_000 + 2 * RATE_WINDOW_MS + 5_000, records, records * 10).recordsPerSecond).toBe(0);
  });

  it('is the rate of the last window for any steady speed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 100_000 }), (before, now) => {
        const rate = new RecentRate();
        let records = 0;
        let t = 0;
        for (; t <= 30_000; t += 1_000) rate.add(t, (records += before), 0);
        let last = { recordsPerSecond: 0, bytesPerSecond: 0 };
        for (; t <= 30_000 + 3 * RATE_WINDOW_MS; t += 1_000) last = rate.add(t, (records += now), 0);
        expect(Math.round(last.recordsPerSecond)).toBe(now);
      }),
    );
  });
});

describe('splitWorkBytes', () => {
  it('is what a byte range still has to read, and unknown without a size', () => {
    expect(splitWorkBytes({ start: 100, end: 300, position: { offset: 150 } })).toBe(150);
    expect(splitWorkBytes({ start: 0, end: -1, size: 1000, position: { offset: 0 } })).toBe(1000);
    expect(splitWorkBytes({ start: 0, end: -1 })).toBeUndefined();
    expect(splitWorkBytes({ stream: 'topic:0', lastId: '0-0' })).toBeUndefined();
  });
});
