import { flowLag } from '../../coordination/SplitLag';
import type { StatusReport } from '../statusCommand';

/** Entries counted past a position at most; beyond it the count is a lower bound (`entriesBehindCapped`). */
export const MAX_COUNTED_ENTRIES = 10_000;
const PAGE = 1000;

/**
 * The report with `entriesBehind` on each Rafka split: the partition's entries after its
 * committed `lastId` (XRANGE from the exclusive position, counted up to MAX_COUNTED_ENTRIES).
 * This counts what the split has not committed, whichever group reads it; XINFO GROUPS `lag`
 * would count what the group was not delivered, which is less by the batches in flight.
 */
export async function withRafkaLag(report: StatusReport, redisUrl: string | undefined, now = Date.now()): Promise<StatusReport> {
  const partitions = report.splits.filter((s) => typeof (s.split.data as { streamKey?: unknown }).streamKey === 'string');
  if (partitions.length === 0 || !redisUrl) return report;
  // Loaded on use: only a status of a Rafka flow with a Redis URL needs ioredis.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: Redis } = require('ioredis') as typeof import('ioredis');
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const splits = await Promise.all(
      report.splits.map(async (s) => {
        const data = s.split.data as { streamKey?: string; lastId?: string; stopId?: string };
        if (typeof data.streamKey !== 'string' || typeof data.lastId !== 'string') return s;
        let from = data.lastId;
        let behind = 0;
        while (behind < MAX_COUNTED_ENTRIES) {
          const page = await redis.xrange(data.streamKey, `(${from}`, data.stopId && data.stopId !== '+' ? data.stopId : '+', 'COUNT', PAGE);
          behind += page.length;
          if (page.length < PAGE) break;
          from = page[page.length - 1]![0];
        }
        return { ...s, lag: { ...s.lag, entriesBehind: Math.min(behind, MAX_COUNTED_ENTRIES), ...(behind >= MAX_COUNTED_ENTRIES ? { entriesBehindCapped: true } : {}) } };
      }),
    );
    return { ...report, splits, lag: flowLag(splits, now) };
  } finally {
    redis.disconnect();
  }
}
