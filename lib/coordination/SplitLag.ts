import { SplitStatus } from './SplitStore';
import type { SplitRow } from './SplitStore';

/** How far one split is behind its input. */
export interface SplitLag {
  /** A file split: bytes between its committed offset and its end (undefined when unknown: gzip, unlisted size). */
  readonly bytesRemaining?: number;
  /** The end as an offset, for a progress bar (position of size). */
  readonly endOffset?: number;
  readonly offset?: number;
  /** A Rafka partition: entries after its committed position (filled in by the caller that can read Redis). */
  readonly entriesBehind?: number;
  /** `entriesBehind` is a lower bound: counting stopped there. */
  readonly entriesBehindCapped?: boolean;
}

/** The flow's lag: what is left to read, and how long the oldest PENDING split has waited for a reader. */
export interface FlowLag {
  readonly bytesRemaining: number;
  /** Seconds since the oldest PENDING split last moved (0 with none). */
  readonly oldestPendingAgeSeconds: number;
  readonly entriesBehind?: number;
}

/**
 * Bytes remaining of a file split, from its serialized data: a whole uncompressed file ends at
 * its listed `size`, a byte range at `end`. A gzip split's offset counts decompressed bytes,
 * which the listed size does not, so its lag is unknown rather than wrong.
 */
export function splitLag(row: SplitRow): SplitLag {
  const data = row.split.data as Record<string, unknown>;
  if (typeof data.offset !== 'number' || typeof data.fileId !== 'string' || data.compression === 'gzip') return {};
  const end = typeof data.end === 'number' && data.end >= 0 ? data.end : typeof data.size === 'number' ? data.size : undefined;
  if (end === undefined) return {};
  const offset = row.status === SplitStatus.FINISHED ? end : Math.min(data.offset, end);
  return { bytesRemaining: end - offset, endOffset: end, offset };
}

export function flowLag(rows: readonly (SplitRow & { lag?: SplitLag })[], now: number): FlowLag {
  let bytesRemaining = 0;
  let entriesBehind: number | undefined;
  let oldestPending: number | undefined;
  for (const row of rows) {
    const lag = row.lag ?? splitLag(row);
    bytesRemaining += lag.bytesRemaining ?? 0;
    if (lag.entriesBehind !== undefined) entriesBehind = (entriesBehind ?? 0) + lag.entriesBehind;
    if (row.status === SplitStatus.PENDING && (oldestPending === undefined || row.updatedAt < oldestPending)) oldestPending = row.updatedAt;
  }
  const oldestPendingAgeSeconds = oldestPending === undefined ? 0 : Math.max(0, Math.round((now - oldestPending) / 1000));
  return { bytesRemaining, oldestPendingAgeSeconds, ...(entriesBehind === undefined ? {} : { entriesBehind }) };
}
