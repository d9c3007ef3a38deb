import { flowLag, type FlowLag } from '../../coordination/SplitLag';
import type { SplitRow, SplitStore } from '../../coordination/SplitStore';
import { metrics, MetricUnit } from './observability';

/**
 * The flow's lag as EMF metrics (`oldestPendingAgeSeconds`, `bytesRemaining`), for the stack's
 * dashboard and its lag-age alarm. One strongly consistent pass over the flow's rows, as
 * `adf status` makes, once per failure-handler run.
 */
export async function emitLagMetrics(store: Pick<SplitStore, 'list'>, now: number): Promise<FlowLag> {
  const rows: SplitRow[] = [];
  for await (const row of store.list()) rows.push(row);
  const lag = flowLag(rows, now);
  metrics.addMetric('oldestPendingAgeSeconds', MetricUnit.Seconds, lag.oldestPendingAgeSeconds);
  metrics.addMetric('bytesRemaining', MetricUnit.Bytes, lag.bytesRemaining);
  return lag;
}
