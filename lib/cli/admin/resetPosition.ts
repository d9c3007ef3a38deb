import type { SerializedSplit } from '../../source-support/SourceSplit';
import type { SplitRow } from '../../coordination/SplitStore';
import { isStreamId, START_OF_STREAM } from '../../sources/rafka/streamIds';
import { ConfigError } from '../../errors';

/**
 * The split of `row` moved to `to`: a Rafka partition to `earliest`, `latest` (`latestId`,
 * the stream's last entry id, read by the caller) or an entry id; a file split back to its
 * start (`earliest`). A CSV byte range after the first is refused: its first line number is
 * not kept, and a wrong one would mislabel every dead letter.
 */
export function resetPosition(row: SplitRow, to: string, latestId?: string): SerializedSplit {
  const data = row.split.data as Record<string, unknown>;
  if (typeof data.streamKey === 'string' && typeof data.lastId === 'string') {
    const lastId = to === 'earliest' ? START_OF_STREAM : to === 'latest' ? latestId : to;
    if (lastId === undefined) throw new ConfigError('--to latest needs the Redis URL: --redis-url URL or ADF_REDIS_URL', { context: { field: 'redis-url' } });
    if (!isStreamId(lastId)) throw new ConfigError(`--to must be earliest, latest or a stream entry id like 1700000000000-0 (got "${to}")`, { context: { field: 'to' } });
    return { ...row.split, data: { ...data, lastId } };
  }
  if (typeof data.fileId === 'string' && typeof data.offset === 'number') {
    if (to !== 'earliest') throw new ConfigError(`a file split can only go back to its start: --to earliest (got "${to}")`, { context: { field: 'to' } });
    const start = typeof data.start === 'number' ? data.start : 0;
    if (start > 0 && data.format === 'csv') {
      throw new ConfigError(`split ${row.splitId} is a CSV byte range after the first, whose first line number is not kept: reset split ${String(data.fileId)}#0 … or forget the file's splits once FINISHED`, { context: { field: 'split' } });
    }
    const { header: _header, ...rest } = data;
    // A range after the first keeps its header: it was found before the cut, not read by the range.
    return { ...row.split, data: { ...(start > 0 ? data : rest), offset: start, line: 1, records: 0 } };
  }
  throw new ConfigError(`adf reset does not know the split kind of ${row.splitId} (neither a file nor a Rafka partition)`, { context: { field: 'split' } });
}

/** The last entry id of a Rafka partition (START_OF_STREAM when empty), for `--to latest`. */
export async function latestStreamId(redisUrl: string, streamKey: string): Promise<string> {
  // Loaded on use: a CSV-only install never loads ioredis.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: Redis } = require('ioredis') as typeof import('ioredis');
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const last = (await redis.xrevrange(streamKey, '+', '-', 'COUNT', 1))[0];
    return last?.[0] ?? START_OF_STREAM;
  } finally {
    redis.disconnect();
  }
}
