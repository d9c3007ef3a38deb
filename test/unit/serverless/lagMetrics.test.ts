import { emitLagMetrics } from '../../../lib/runtime/serverless/LagMetrics';
import { metrics, MetricUnit } from '../../../lib/runtime/serverless/observability';
import type { SplitRow } from '../../../lib/coordination/SplitStore';

const row = (splitId: string, status: SplitRow['status'], updatedAt: number, size: number, offset: number): SplitRow => ({
  splitId,
  split: { splitId, version: 2, data: { splitId, path: `/d/${splitId}`, fileId: splitId, format: 'csv', compression: 'none', start: 0, end: -1, offset, line: 1, records: 0, size } },
  status,
  leaseToken: 0,
  attempts: 0,
  records: 0,
  badRecords: 0,
  updatedAt,
});

describe('emitLagMetrics (the failure handler\'s lag metrics, for the dashboard and the lag-age alarm)', () => {
  it('emits the age of the oldest PENDING split and the bytes left in file splits', async () => {
    const add = jest.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
    try {
      const rows = [row('a.csv', 'PENDING', 10_000, 100, 30), row('b.csv', 'FINISHED', 0, 50, 50), row('c.csv', 'PENDING', 40_000, 10, 0)];
      const store = { async *list() { yield* rows; } };
      await emitLagMetrics(store, 130_000);
      expect(add).toHaveBeenCalledWith('oldestPendingAgeSeconds', MetricUnit.Seconds, 120);
      expect(add).toHaveBeenCalledWith('bytesRemaining', MetricUnit.Bytes, 80);
    } finally {
      add.mockRestore();
    }
  });
});
